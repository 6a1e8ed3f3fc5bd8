"""Pages: the open proposals of the user's area, one household's assessment explained, and the
核对 requests (for the civil-affairs clerk who imports the 核对中心's answers)."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from minqing.assessment import actions, verification
from minqing.assessment import queries as q
from minqing.assessment.indicators import REPORT_VALID_DAYS
from minqing.assessment.models import Category, ProposalKind
from minqing.registry.models import Household
from minqing.sources.permissions import can_import_code

VERIFICATION_SOURCE = "minzheng_hedui"
PER_PAGE = 50  # proposals per page, riskiest first
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def proposals(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not q.may_see_assessments(request.user):
        raise PermissionDenied("您的角色不查看家庭评估")
    # an unknown value in a filter is dropped and said so (the list shows what it says it shows)
    areas = q.proposal_areas(request.user)
    paths = {code: path for code, _, path in areas}
    ignored = []

    def chosen(name: str, label: str, allowed) -> str:
        value = request.GET.get(name, "")
        if value and value not in allowed:
            ignored.append(f"{label}「{value}」不是可选的取值 (或不在您的范围内), 已忽略")
            return ""
        return value

    category = chosen("category", "类别", Category.values)
    kind = chosen("kind", "建议", ProposalKind.values)
    area = chosen("area", "区域", paths)
    proposals = q.proposals_for(
        request.user, category=category, kind=kind, area_path=paths.get(area, "")
    )
    page = Paginator(proposals, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"proposal": p, "types": [q.TYPE_LABELS.get(t, t) for t in p.types]}
        for p in page.object_list
    ]
    return render(
        request,
        "assessment/proposals.html",
        {
            "rows": rows,
            "page_obj": page,
            "total": page.paginator.count,
            "category": category,
            "categories": Category.choices,
            "kind": kind,
            "kinds": ProposalKind.choices,
            "area": area,
            "areas": [(code, label) for code, label, _ in areas],
            "filtered": bool(category or kind or area),
            "ignored": ignored,
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


def may_request_verification(user) -> bool:
    """The civil-affairs clerk who imports the 核对中心's answers asks the questions too."""
    return can_import_code(user, VERIFICATION_SOURCE)


@login_required
@require_http_methods(["GET", "POST"])
def verification_requests(request: HttpRequest) -> HttpResponse:
    """GET: how many families are to be checked, for which policies, where. POST: the request
    list as xlsx (full ID numbers; audited)."""
    if not may_request_verification(request.user):
        raise PermissionDenied("家庭经济状况核对申请由民政部门办理")
    if request.method == "POST":
        out = io.BytesIO()
        actions.request_verification(out, by=request.user, request=request)
        stamp = timezone.localtime().strftime("%Y%m%d")
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''%E6%A0%B8%E5%AF%B9%E7%94%B3%E8%AF%B7%E5%90%8D%E5%8D%95_{stamp}.xlsx"
        )
        return response
    households = verification.households_to_verify()
    return render(
        request,
        "assessment/verification.html",
        {
            "households": households.height,
            "without_id_numbers": verification.without_id_numbers(households),
            "by_policy": verification.count_by_policy(households),
            "by_street": verification.count_by_street(households),
            "valid_days": REPORT_VALID_DAYS,
        },
    )
