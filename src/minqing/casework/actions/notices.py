"""A user's own notices (Notice, sent by the overdue sweep in overdue.py)."""

from __future__ import annotations

from django.utils import timezone

from minqing.accounts.models import User
from minqing.casework.actions.common import NotPermitted
from minqing.casework.models import Notice


def mark_notice_read(notice: Notice, *, by: User) -> Notice:
    """标为已读: only the recipient may, and only once (the first reading time is kept). Not
    audited: it changes nothing but the recipient's own list."""
    if notice.recipient_id != by.pk:
        raise NotPermitted("只能处理发给自己的通知")
    now = timezone.now()
    if Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now):
        notice.read_at = now
    else:
        notice.refresh_from_db(fields=["read_at"])
    return notice
