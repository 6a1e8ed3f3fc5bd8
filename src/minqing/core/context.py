"""Template context shared by every page: the navigation, showing only what exists."""

from django.http import HttpRequest
from django.urls import reverse


def navigation(request: HttpRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": []}
    items = [("首页", reverse("home"))]
    if request.user.is_staff:
        items.append(("系统管理", reverse("admin:index")))
    return {"nav_items": [{"label": label, "url": url} for label, url in items]}
