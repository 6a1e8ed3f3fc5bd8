"""核对 requests: the households whose findings hang on what no list carries, as the request list
the 核对中心 takes (居民家庭经济状况核对, ../shared/reference/policy-facts.md).

The department lists say nothing of deposits, of farm or informal income, or of whether a lone
elderly person's children can support them; the income- and asset-tested policies (every policy
whose rule has an asset condition: 特困, 低保, 边缘, 刚性支出, 临时救助) then decide on what is
known and leave the rest 待核实. Civil affairs asks the 核对中心 for those families — with their
signed authorization, gathered at the door — and the reports come back as the list
民政_核对结果, imported and linked like any other; the next assessment counts them
(policy_inputs.py). So the screening finds candidates, and the 核对 settles them:

    households_to_verify()         household ids and the policies behind the request
    request_frame(ids)             one row per living member: the request list's rows
    actions.request_verification() writes the list (xlsx), audited

A household is asked for when it has a finding (eligible, 漏保, 错保, receiving or 待核实) on one of
those policies, or a 待核实 finding on a policy that weighs the income without an asset test
(医疗救助), and no member has a valid report (indicators.REPORT_VALID_DAYS): recipients come up for
their yearly review, candidates for their first check.
"""

from __future__ import annotations

import polars as pl
from django.db.models import Q

from minqing.assessment.models import Finding, FindingStatus, HouseholdAssessment
from minqing.policies import POLICY_LABELS
from minqing.policies.catalogue import POLICIES
from minqing.policies.conditions import ASSETS
from minqing.registry.models import Household, Membership

VERIFIED_POLICIES = tuple(p.code for p in POLICIES if set(p.rule.leaves()) & set(ASSETS))
# the conditions that weigh the family's income (which a report settles where no list can)
INCOME_CONDITIONS = {
    "no_living_source",
    "income_below_dibao",
    "income_below_edge",
    "income_below_disposable",
    "income_after_spending_below_edge",
    "rigid_spending_above_ratio",
    "medical_burden_above_share",
}
# policies without an asset test whose finding may still hang on the income: asked for only
# while 待核实 (医疗救助: medical spending against an income no list fully knows)
ASKED_WHEN_UNDECIDED = tuple(
    p.code
    for p in POLICIES
    if p.code not in VERIFIED_POLICIES and set(p.rule.leaves()) & INCOME_CONDITIONS
)
COLUMNS = ["序号", "户编号", "姓名", "身份证号", "与户主关系", "所在区域", "核对事由"]


def _asking_findings():
    """The findings that ask for a 核对: on a verified policy (or 待核实 on one asked for while
    undecided), of an active household none of whose members had a valid report at the last
    assessment."""
    verified = HouseholdAssessment.objects.filter(indicators__verified_members__gt=0).values(
        "household_id"
    )
    return Finding.objects.filter(
        Q(policy__in=VERIFIED_POLICIES)
        | Q(policy__in=ASKED_WHEN_UNDECIDED, status=FindingStatus.UNDECIDED),
        household__is_active=True,
    ).exclude(household_id__in=verified)


def households_to_verify() -> pl.DataFrame:
    """household_id, policies (list of codes): the households _asking_findings() names."""
    rows = _asking_findings().values_list("household_id", "policy")
    frame = pl.DataFrame(
        list(rows), schema={"household_id": pl.Int64, "policy": pl.String}, orient="row"
    )
    order = {code: i for i, code in enumerate(VERIFIED_POLICIES + ASKED_WHEN_UNDECIDED)}
    return (
        frame.with_columns(rank=pl.col("policy").replace_strict(order, return_dtype=pl.Int32))
        .sort("household_id", "rank")
        .group_by("household_id", maintain_order=True)
        .agg("policy")
        .rename({"policy": "policies"})
    )


def request_frame(households: pl.DataFrame) -> pl.DataFrame:
    """The request list: one row per living member of each household (households_to_verify())."""
    if not households.height:
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String))
    reasons = dict(
        zip(
            households["household_id"].to_list(),
            ["、".join(POLICY_LABELS[p] for p in ps) for ps in households["policies"].to_list()],
            strict=True,
        )
    )
    members = (
        _askable_members()
        .select_related("person", "household__area")
        .order_by("household_id", "relation", "person_id")
    )
    rows = [
        {
            "户编号": m.household.number or str(m.household_id),
            "姓名": m.person.name,
            "身份证号": m.person.id_number,
            "与户主关系": m.get_relation_display(),
            "所在区域": m.household.area.name,
            "核对事由": reasons[m.household_id],
        }
        for m in members.iterator(chunk_size=2000)
        if m.household_id in reasons  # the households given, of those asking
    ]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(COLUMNS[1:], pl.String))
    return frame.with_row_index("序号", offset=1).with_columns(pl.col("序号").cast(pl.String))


def _askable_members():
    """The members the 核对中心 can be asked about: alive (Person.died_on, which linkage sets
    from the register's 死亡注销 and the funeral homes' cremation list: linkage/golden.deaths),
    with an ID number (the center finds people by it; a record kept without one cannot be sent)."""
    # a subquery, not the ids: a whole district's would pass SQLite's bound-parameter limit
    return (
        Membership.objects.filter(household_id__in=_asking_findings().values("household_id"))
        .filter(person__died_on__isnull=True, person__is_active=True)
        .exclude(Q(person__id_number="") | Q(person__id_number__isnull=True))
    )


def without_id_numbers(households: pl.DataFrame) -> int:
    """Households of `households` (households_to_verify()) with no member the 核对中心 can be asked
    about: they are settled at the door, not by a report."""
    if not households.height:
        return 0
    sendable = set(_askable_members().values_list("household_id", flat=True).distinct())
    return sum(1 for h in households["household_id"].to_list() if h not in sendable)


def count_by_policy(households: pl.DataFrame) -> dict[str, int]:
    """Policy label → households asked for because of it (a household may count under several)."""
    if not households.height:
        return {}
    counts = households.explode("policies").group_by("policies").len()
    return {
        POLICY_LABELS[p]: n
        for p, n in counts.sort(["len", "policies"], descending=[True, False]).iter_rows()
    }


def count_by_street(households: pl.DataFrame) -> list[tuple[str, int]]:
    """(street name, households asked for), most first."""
    if not households.height:
        return []
    from django.db.models import Count

    from minqing.areas.models import Area, Level

    paths = (
        Household.objects.filter(pk__in=_asking_findings().values("household_id"))
        .values("area__path")
        .annotate(n=Count("id"))
        .values_list("area__path", "n")
    )
    streets = {a.path: a.name for a in Area.objects.filter(level=Level.STREET)}
    counts: dict[str, int] = {}
    for path, n in paths:
        street = next((name for p, name in streets.items() if path.startswith(p)), "未定位到街道")
        counts[street] = counts.get(street, 0) + n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
