"""我的提醒: the signed-in user's notices from the overdue sweep (casework.actions.overdue),
unread first, each with 标为已读; and the navigation's 提醒 item with the unread count. This
module owns its `urlpatterns`.

Only the recipient sees a notice: marking anyone else's is "not found" (404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from minqing.accounts.access import resident_data_required
from minqing.casework import actions, deadlines
from minqing.casework.models import Notice
from minqing.casework.views.inbox import inbox_mode

NOTICE_VIEWS = {"casework:notices"}
UNREAD_SHOWN = 200
READ_SHOWN = 50


def nav_items(user, view_name: str) -> list[tuple[str, str, set[str]]]:
    """提醒 with the unread count (one COUNT per page), while there are unread notices or the
    user is on the page."""
    unread = Notice.objects.for_recipient(user).unread().count()
    if not unread and view_name not in NOTICE_VIEWS:
        return []
    label = f"提醒({unread})" if unread else "提醒"
    return [(label, reverse("casework:notices"), NOTICE_VIEWS)]


@login_required
@resident_data_required
@require_http_methods(["GET", "POST"])
def notices(request: HttpRequest) -> HttpResponse:
    """GET: the user's notices, unread first. POST notice=<id>: 标为已读."""
    mine = Notice.objects.for_recipient(request.user)
    if request.method == "POST":
        try:
            notice = mine.get(pk=int(request.POST.get("notice", "")))
        except (ValueError, Notice.DoesNotExist):
            raise Http404("通知不存在") from None
        actions.mark_notice_read(notice, by=request.user)
        return redirect("casework:notices")
    shown = mine.select_related("problem__entry", "measure__entry")
    unread = list(shown.unread().order_by("-created_at", "-id")[:UNREAD_SHOWN])
    read = list(shown.filter(read_at__isnull=False).order_by("-read_at", "-id")[:READ_SHOWN])
    return render(
        request,
        "casework/notices/list.html",
        {
            "unread": [_row(n) for n in unread],
            "read": [_row(n) for n in read],
            "unread_total": mine.unread().count() if len(unread) == UNREAD_SHOWN else len(unread),
            "read_shown": READ_SHOWN,
            "has_inbox": inbox_mode(request.user) == "department",
            "escalate_after": deadlines.ESCALATE_AFTER,
        },
    )


def _row(notice: Notice) -> dict:
    item = notice.item
    return {
        "notice": notice,
        "subject": "问题" if notice.problem_id else "帮扶措施",
        "household_id": item.entry.household_id,
        "is_problem": bool(notice.problem_id),
    }


urlpatterns = [path("notices/", notices, name="notices")]
