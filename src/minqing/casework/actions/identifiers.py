"""Showing one masked identifier in full, with a reason, audited."""

from __future__ import annotations

from django.http import HttpRequest

from minqing.accounts.models import User
from minqing.audit.actions import record
from minqing.casework.actions.common import (
    CaseworkError,
    NotPermitted,
    refusals_audited,
    required,
)
from minqing.casework.queries import ledger_scope
from minqing.registry.models import Person

REVEALABLE = {"id_number": "身份证号", "phone": "联系电话"}


@refusals_audited
def reveal_identifier(
    *, user: User, obj: Person, field: str, reason: str, request: HttpRequest | None = None
) -> str:
    """The full value of a masked identifier (身份证号, 联系电话) of a person in the user's
    scope, for a role that may ask, with a reason; the read is audited."""
    if field not in REVEALABLE or not isinstance(obj, Person):
        raise CaseworkError("不支持查看该信息")
    scope = ledger_scope(user)
    if not scope.may_reveal or not scope.may_see_person(obj):
        raise NotPermitted("无权查看完整信息")
    reason = required(reason, "查看原因")
    record(
        "casework.reveal_identifier",
        by=user,
        obj=obj,
        request=request,
        summary=f"查看完整{REVEALABLE[field]}: {obj.name}: {reason}",
        details={"field": field, "reason": reason},
    )
    return getattr(obj, field) or ""
