"""Reads for the assessment pages: which households a user may see, a household's findings
explained, and the open proposals of the user's area.

The audience is that of the review queue (linkage/queries.py, until issue 6 brings one scope
for every page): a superuser sees everything; staff of an area office whose role sees personal
data see their area's households; the district leader sees everything, masked; nobody else sees
any. Outside the scope is "not found".
"""

from __future__ import annotations

import json

from django.db.models import QuerySet

from minqing.assessment.classify import TYPE_LABELS
from minqing.assessment.models import Finding, FindingStatus, HouseholdAssessment, Proposal
from minqing.core.masking import mask_id
from minqing.linkage.queries import review_scope
from minqing.policies import POLICY_LABELS
from minqing.registry.models import Household

STATUS_ORDER = [s.value for s in FindingStatus]


def may_see_assessments(user) -> bool:
    return review_scope(user).may_see


def households_for(user) -> QuerySet[Household]:
    scope = review_scope(user)
    if not scope.may_see:
        return Household.objects.none()
    households = Household.objects.active()
    return households.within(scope.area) if scope.area is not None else households


def household_for(user, pk: int) -> Household:
    """Household.DoesNotExist outside the user's scope (answered as 404)."""
    return households_for(user).select_related("area").get(pk=pk)


def proposals_for(user, *, category: str = "") -> QuerySet[Proposal]:
    proposals = Proposal.objects.open().filter(household__in=households_for(user))
    if category:
        proposals = proposals.filter(category=category)
    return proposals.select_related(
        "household", "household__area", "household__assessment"
    ).order_by("-household__assessment__risk", "household_id")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def household_view(user, household: Household) -> dict:
    """What the household page shows: assessment, members (ID numbers masked unless the user
    is a superuser), findings with each condition."""
    assessment = HouseholdAssessment.objects.filter(household=household).first()
    shows_ids = review_scope(user).shows_identifiers
    members = [
        {
            "name": m.person.name,
            "relation": m.get_relation_display(),
            "sex": {"M": "男", "F": "女"}.get(m.person.sex, ""),
            "birth_on": m.person.birth_on,
            "id_number": m.person.id_number if shows_ids else mask_id(m.person.id_number),
        }
        for m in household.memberships.select_related("person").order_by("person_id")
    ]
    findings = sorted(
        Finding.objects.filter(household=household),
        key=lambda f: (STATUS_ORDER.index(f.status), f.policy),
    )
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
                "conditions": _json(f.explanation) or [],
            }
            for f in findings
        ],
        "flags": _json(household.flags) or [],
    }
