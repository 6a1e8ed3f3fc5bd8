"""The 13 policies of issue 5: each is named conditions combined with all_of / any_of / not_.

A policy's eligibility is three-valued: true (every condition that matters passes), false (one
fails), null (none fails but one is unknown — the household needs a check at the door). Asset
conditions that are unknown count as passed (conditions.py explains why), except for a household
marked `verification_declined` (the family did not authorize the 核对).

The order of POLICIES is the order of evaluation: a policy that refers to another's eligibility
(the layering 特困 → 低保 → 边缘 → 刚性支出, and the subsidies that follow from 低保) comes after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from minqing.policies import conditions as c
from minqing.policies.facts import p


@dataclass(frozen=True)
class Rule:
    """all / any / not over condition codes and nested rules."""

    op: str
    items: tuple[Rule | str, ...]

    def expr(self, assumed: frozenset[str]) -> pl.Expr:
        parts = [_leaf(i, assumed) if isinstance(i, str) else i.expr(assumed) for i in self.items]
        if self.op == "not":
            return ~parts[0]
        out = parts[0]
        for part in parts[1:]:
            out = (out & part) if self.op == "all" else (out | part)  # Kleene logic
        return out

    def leaves(self) -> list[str]:
        out: list[str] = []
        for i in self.items:
            for code in [i] if isinstance(i, str) else i.leaves():
                if code not in out:
                    out.append(code)
        return out


def _leaf(code: str, assumed: frozenset[str]) -> pl.Expr:
    passed = pl.col(f"x__{code}").struct.field("passed")
    if code not in assumed:
        return passed
    # unknown assets count as passed, except for a family that declined the 核对: theirs stay
    # unknown, and so does every policy resting on them (低保, and the subsidies that follow)
    return pl.when(pl.col("verification_declined")).then(passed).otherwise(passed.fill_null(True))


def all_of(*items: Rule | str) -> Rule:
    return Rule("all", items)


def any_of(*items: Rule | str) -> Rule:
    return Rule("any", items)


def not_(item: Rule | str) -> Rule:
    return Rule("not", (item,))


@dataclass(frozen=True)
class Policy:
    code: str
    label: str
    label_en: str
    rule: Rule
    amount: pl.Expr | None = None  # what the rule implies the household gets, 元 (see docs)
    amount_note: str = ""


_members = pl.col("n_members")
_DIBAO_GAP = ((pl.col("standard") - pl.col("per_capita_income")) * _members).clip(0)

POLICIES: list[Policy] = [
    Policy(
        "tekun",
        "特困人员救助供养",
        "support for people in extreme poverty (特困)",
        all_of(
            "has_members",
            "no_minors",
            "no_work_capacity",
            "no_living_source",
            *c.ASSETS,
            "no_supporter",
        ),
        p("tekun_living_factor") * pl.col("standard") * _members,
        "basic living standard: 1.3 × 低保 standard per person, 元/月",
    ),
    Policy(
        "dibao_urban",
        "城市低保",
        "urban minimum living allowance",
        all_of("hukou_urban", "has_members", "income_below_dibao", *c.ASSETS, "not_tekun"),
        _DIBAO_GAP,
        "the gap to the standard (差额), 元/月",
    ),
    Policy(
        "dibao_rural",
        "农村低保",
        "rural minimum living allowance",
        all_of("hukou_rural", "has_members", "income_below_dibao", *c.ASSETS, "not_tekun"),
        _DIBAO_GAP,
        "the gap to the standard (差额), 元/月",
    ),
    Policy(
        "dibao_edge",
        "低保边缘家庭",
        "household on the edge of 低保",
        all_of(
            "has_members",
            "not_dibao_or_tekun",
            any_of(
                "income_below_edge",
                all_of(
                    "edge_spending_type",
                    "income_below_disposable",
                    "income_after_spending_below_edge",
                ),
            ),
            *c.ASSETS,
        ),
    ),
    Policy(
        "rigid_expense",
        "刚性支出困难家庭",
        "household in hardship from unavoidable spending",
        all_of(
            "has_members",
            "not_dibao_tekun_edge",
            "income_below_disposable",
            *c.ASSETS,
            "rigid_spending_above_ratio",
        ),
    ),
    Policy(
        "temporary_aid",
        "临时救助",
        "temporary assistance",
        all_of(
            "has_members",
            "income_below_disposable",
            any_of("has_emergency", all_of("rigid_spending_above_ratio", *c.ASSETS)),
        ),
        p("temporary_aid_cap_months") * pl.col("standard"),
        "upper limit of a one-off payment, 元",
    ),
    Policy(
        "zero_employment",
        "零就业家庭就业援助",
        "employment aid for zero-employment households",
        all_of("hukou_urban", "has_able_working_member", "all_able_registered_unemployed"),
    ),
    Policy(
        "child_welfare",
        "困境儿童/事实无人抚养儿童",
        "children without parental care",
        all_of("has_child_without_care"),
    ),
    Policy(
        "medical_aid",
        "医疗救助",
        "medical assistance",
        all_of("has_seriously_ill", any_of("in_dibao_tekun_edge", "medical_burden_above_share")),
    ),
    Policy(
        "disability_living",
        "困难残疾人生活补贴",
        "living subsidy for disabled people in hardship",
        all_of("in_dibao_or_tekun", "has_disabled"),
        p("disability_living_subsidy") * pl.col("n_disabled"),
        "per disabled member, 元/月",
    ),
    Policy(
        "disability_care",
        "重度残疾人护理补贴",
        "care subsidy for severely disabled people",
        all_of("has_severely_disabled"),
        p("disability_care_subsidy") * pl.col("n_severely_disabled"),
        "per severely disabled member, 元/月",
    ),
    Policy(
        "old_age_allowance",
        "高龄津贴",
        "old-age allowance",
        all_of("has_aged_member"),
        pl.col("old_age_amount"),
        "sum of the members' age bands, 元/月",
    ),
    Policy(
        "education_aid",
        "教育资助",
        "education aid",
        all_of("has_pupil", "family_in_difficulty"),
    ),
]
POLICY_CODES = [x.code for x in POLICIES]
POLICY_LABELS = {x.code: x.label for x in POLICIES}
POLICY_ENUM = pl.Enum(POLICY_CODES)
# the guarantee of basic living: 低保 (urban or rural) and 特困 exclude each other
BASIC_LIVING = ("dibao_urban", "dibao_rural", "tekun")


def _check_order() -> None:
    seen: set[str] = set()
    for policy in POLICIES:
        for code in policy.rule.leaves():
            missing = set(c.get(code).refers_to) - seen
            if missing:
                raise RuntimeError(f"{policy.code} 引用了尚未计算的政策 {missing}")
        seen.add(policy.code)


_check_order()
