"""Template context shared by every page: the district's name, the navigation (showing only
what exists) and who is signed in."""

from django.http import HttpRequest
from django.urls import reverse

from minqing.accounts.access import held_roles
from minqing.areas.models import Area, Level
from minqing.assessment.views import may_request_verification
from minqing.casework.queries import ledger_scope
from minqing.casework.views.notices import nav_items as notice_nav_items
from minqing.casework.views.work import nav_items as work_nav_items
from minqing.linkage.queries import may_review
from minqing.sources.permissions import may_import_anything

SOURCES_VIEWS = {"sources:index", "sources:upload", "sources:run"}
LINKAGE_VIEWS = {"linkage:review", "linkage:item", "linkage:runs", "linkage:run"}
ASSESSMENT_VIEWS = {"assessment:proposals", "assessment:household"}
LEDGER_VIEWS = {"casework:ledger", "casework:household"}
DASHBOARD_VIEWS = {"dashboards:index", "dashboards:findings"}


def roles_of(request: HttpRequest) -> list:
    """The signed-in user's roles, read once per request (the header and the page both ask)."""
    if not hasattr(request, "_minqing_roles"):
        user = getattr(request, "user", None)
        roles = held_roles(user) if user is not None and user.is_authenticated else []
        request._minqing_roles = roles
    return request._minqing_roles


def navigation(request: HttpRequest) -> dict:
    district_name = (
        Area.objects.filter(level=Level.DISTRICT).order_by("code").values_list("name", flat=True)
    ).first()
    context = {"district_name": district_name or "", "nav_items": []}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    # label, url, the views under which the item is the current one
    items = [("首页", reverse("home"), {"home", "areas:detail"})]
    if may_import_anything(user):
        items.append(("数据导入", reverse("sources:index"), SOURCES_VIEWS))
    if may_request_verification(user):
        items.append(("核对申请", reverse("assessment:verification"), {"assessment:verification"}))
    if may_review(user):
        items.append(("人工确认", reverse("linkage:review"), LINKAGE_VIEWS))
        items.append(("台账建议", reverse("assessment:proposals"), ASSESSMENT_VIEWS))
    if ledger_scope(user).sees_ledger:
        items.append(("台账", reverse("casework:ledger"), LEDGER_VIEWS))
        items.append(("民情地图", reverse("maps:index"), {"maps:index"}))
    items += work_nav_items(user, {role.code for role in roles_of(request)})
    items += notice_nav_items(user, view_name)
    grants = ledger_scope(user).grants
    if grants.sees_residents and (grants.everything or grants.manages or grants.department):
        items.append(("工作看板", reverse("dashboards:index"), DASHBOARD_VIEWS))
    if user.is_staff:
        items.append(("系统管理", reverse("admin:index"), set()))
    context["nav_items"] = [
        {"label": label, "url": url, "is_current": view_name in views}
        for label, url, views in items
    ]
    context["current_roles"] = roles_of(request)
    return context
