"""Pages: the open proposals of the user's area, and one household's assessment explained."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from minqing.assessment import queries as q
from minqing.assessment.models import Category
from minqing.registry.models import Household


def proposals(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not q.may_see_assessments(request.user):
        raise PermissionDenied("您的角色不查看家庭评估")
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    rows = [
        {"proposal": p, "types": [q.TYPE_LABELS.get(t, t) for t in p.types]}
        for p in q.proposals_for(request.user, category=category)[:200]
    ]
    return render(
        request,
        "assessment/proposals.html",
        {
            "rows": rows,
            "total": q.proposals_for(request.user, category=category).count(),
            "category": category,
            "categories": Category.choices,
        },
    )


def household(request: HttpRequest, household_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    try:
        found = q.household_for(request.user, household_id)
    except Household.DoesNotExist:
        raise Http404("家庭户不存在") from None
    return render(
        request,
        "assessment/household.html",
        {"household": found, **q.household_view(request.user, found)},
    )
