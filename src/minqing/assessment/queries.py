"""Reads for the assessment pages: which households a user may see, a household's findings
explained, and the open proposals of the user's area.

The audience is the one scope of the ledger (casework.queries.ledger_scope), less the households
a department reaches only through a problem routed to it: a department gets the minimum of
personal data, and an assessment is the whole household. So: a superuser and the district
leader see every household (the leader masked); grid workers, community and street staff their
area's; a cadre or grid worker the households paired with them; a department clerk, the 12345
operator and the 三员 none. Outside the scope is "not found".
"""

from __future__ import annotations

import json

from django.db.models import Q, QuerySet

from minqing.areas.models import Area, Level
from minqing.assessment.classify import TYPE_LABELS
from minqing.assessment.models import Finding, FindingStatus, HouseholdAssessment, Proposal
from minqing.casework.queries import ledger_scope
from minqing.policies import BASIC_LIVING, POLICY_LABELS
from minqing.policies.explain import described
from minqing.registry.models import Household

STATUS_ORDER = [s.value for s in FindingStatus]


def _whole_households(grants) -> Q | None:
    """The households whose whole record the grants show (everything, the area, the paired
    ones); None when there are none (a department's grant alone)."""
    if grants.everything:
        return Q()
    if grants.area is None and not grants.paired:
        return None
    whole = grants.area_q("area__path")
    if grants.paired:
        whole |= Q(ledger_entry__cadre_id=grants.user_id) | Q(
            ledger_entry__grid_worker_id=grants.user_id
        )
    return whole


def may_see_assessments(user) -> bool:
    return _whole_households(ledger_scope(user).grants) is not None


def households_for(user) -> QuerySet[Household]:
    scope = ledger_scope(user)
    whole = _whole_households(scope.grants)
    if whole is None:
        return Household.objects.none()
    return scope.households(Household.objects.active()).filter(whole)


def household_for(user, pk: int) -> Household:
    """Household.DoesNotExist outside the user's scope (answered as 404)."""
    return households_for(user).select_related("area").get(pk=pk)


def proposals_for(
    user, *, category: str = "", kind: str = "", area_path: str = ""
) -> QuerySet[Proposal]:
    """The open proposals of the user's households, riskiest first; narrowed to a category, a
    kind (纳入 / 退出 / 调整类别) and an area (its path: the area and everything under it)."""
    proposals = Proposal.objects.open().filter(household__in=households_for(user))
    if category:
        proposals = proposals.filter(category=category)
    if kind:
        proposals = proposals.filter(kind=kind)
    if area_path:
        proposals = proposals.filter(household__area__path__startswith=area_path)
    return proposals.select_related(
        "household", "household__area", "household__assessment"
    ).order_by("-household__assessment__risk", "household_id")


def proposal_areas(user) -> list[tuple[str, str, str]]:
    """(code, label indented by depth, path) of the streets, communities and grids inside the
    user's area (every one for the district-wide), for the proposals page's area filter; none
    for a user who sees only the households paired with them."""
    grants = ledger_scope(user).grants
    if not grants.everything and grants.area is None:
        return []
    areas = Area.objects.exclude(level=Level.DISTRICT).defer("geometry")
    if not grants.everything:
        areas = areas.filter(path__startswith=grants.area.path).exclude(pk=grants.area.pk)
    return [
        (a.code, a.indented_name, a.path)
        for a in areas.only("code", "name", "level", "path").order_by("path")
    ]


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def household_view(user, household: Household) -> dict:
    """What the household page shows: assessment, members (ID numbers through the scope:
    masked unless the user is a superuser), findings with each condition."""
    assessment = HouseholdAssessment.objects.filter(household=household).first()
    scope = ledger_scope(user)
    reports = verification_reports([m.person_id for m in household.memberships.all()])
    members = [
        {
            "name": m.person.name,
            "relation": m.get_relation_display(),
            "sex": {"M": "男", "F": "女"}.get(m.person.sex, ""),
            "birth_on": m.person.birth_on,
            "died_on": m.person.died_on,
            "id_number": scope.show_id(m.person.id_number),
            "checked_on": (
                None
                if reports.get(m.person_id, {}).get("refused")
                else reports.get(m.person_id, {}).get("checked_on")
            ),
        }
        for m in household.memberships.select_related("person").order_by("person_id")
    ]
    findings = sorted(
        Finding.objects.filter(household=household),
        key=lambda f: (STATUS_ORDER.index(f.status), f.policy),
    )
    # 应转未转: paid from the wrong basic-living roll while meeting another one
    wrong_roll = [
        POLICY_LABELS.get(f.policy, f.policy)
        for f in findings
        if f.policy in BASIC_LIVING and f.status == FindingStatus.MISMATCH
    ]

    def note(f: Finding) -> str:
        if f.policy in BASIC_LIVING and f.status == FindingStatus.MISSED and wrong_roll:
            return f"应转未转: 现享{'、'.join(wrong_roll)}, 但不符合其条件"
        return ""

    indicators = (_json(assessment.indicators) or {}) if assessment else {}
    return {
        "assessment": assessment,
        "types": [TYPE_LABELS.get(t, t) for t in _json(assessment.types)] if assessment else [],
        "factors": _json(assessment.factors) if assessment else [],
        "members": members,
        "findings": [
            {
                "policy": POLICY_LABELS.get(f.policy, f.policy),
                "status": f.status,
                "status_label": f.get_status_display(),
                "note": note(f),
                "conditions": _with_emergency(described(_json(f.explanation) or []), indicators),
            }
            for f in findings
        ],
        "flags": _json(household.flags) or [],
        "verification": _latest_report(reports),
    }


def _with_emergency(conditions: list[dict], indicators: dict) -> list[dict]:
    """has_emergency's figure says which emergency and when, as the assessment's indicators
    recorded it: 火灾 2026-10-28, 3 天前 (the finding itself stores numbers only)."""
    kind, day = indicators.get("emergency_kind"), indicators.get("emergency_on")
    if not kind:
        return conditions
    for condition in conditions:
        if condition.get("condition") == "has_emergency" and condition.get("value") is not None:
            condition["value_shown"] = f"{kind} {day}, {condition['value_shown']}"
    return conditions


def verification_reports(person_ids: list[int]) -> dict[int, dict]:
    """person_id → the current 核对 report on the person (minzheng_hedui): report_number,
    checked_on (date), household_size."""
    from datetime import date

    from minqing.linkage.models import RecordLink
    from minqing.sources.models import SourceRecord

    keys = dict(
        RecordLink.objects.filter(
            person_id__in=person_ids, source__code="minzheng_hedui"
        ).values_list("key", "person_id")
    )
    out = {}
    for key, fields in (
        SourceRecord.objects.current()
        .filter(source__code="minzheng_hedui", key__in=list(keys))
        .values_list("key", "fields")
    ):
        fields = _json(fields)
        try:
            checked_on = date.fromisoformat(fields.get("checked_on") or "")
        except ValueError:
            checked_on = None
        out[keys[key]] = {
            "report_number": fields.get("report_number", ""),
            "checked_on": checked_on,
            "refused": fields.get("status") == "refused",
        }
    return out


def _latest_report(reports: dict[int, dict]) -> dict | None:
    """The newest answer of the 核对中心 on the family: a report, or else a 未授权 answer."""
    done = [r for r in reports.values() if r["checked_on"] and not r["refused"]]
    refused = [r for r in reports.values() if r["checked_on"] and r["refused"]]
    if done:
        latest = max(done, key=lambda r: r["checked_on"])
        return {**latest, "members": len(done)}
    if refused:
        return {**max(refused, key=lambda r: r["checked_on"]), "members": 0}
    return None
