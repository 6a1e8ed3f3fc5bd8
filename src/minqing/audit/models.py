from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "成功"
    DENIED = "denied", "拒绝"
    FAILED = "failed", "失败"


class AuditEvent(models.Model):
    """Who did what to which object, when, from where, with what outcome.
    Rows are only ever written by `minqing.audit.actions.record`."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    actor_roles = models.CharField("角色", max_length=200, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象", max_length=64, blank=True)
    summary = models.CharField("摘要", max_length=500, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    outcome = models.CharField(
        "结果", max_length=16, choices=Outcome.choices, default=Outcome.ALLOWED
    )
    details = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
