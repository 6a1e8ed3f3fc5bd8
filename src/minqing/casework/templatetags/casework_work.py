"""Template tags of the daily-work pages, for pages of other apps that offer a casework step
(the assessment proposals page: confirm or reject)."""

from django import template

from minqing.casework.queries import ledger_scope

register = template.Library()


@register.simple_tag(takes_context=True)
def may_decide(context, household) -> bool:
    """Whether the signed-in user may confirm or reject a proposal for this household
    (ledger_scope(user).may_review: area staff of its area)."""
    request = context.get("request")
    if request is None:
        return False
    return ledger_scope(request.user).may_review(household)


@register.simple_tag(takes_context=True)
def decides_proposals(context) -> bool:
    """Whether the user decides proposals anywhere (the column is shown at all)."""
    request = context.get("request")
    if request is None:
        return False
    grants = ledger_scope(request.user).grants
    return grants.is_superuser or grants.area is not None
