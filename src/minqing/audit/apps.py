from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "minqing.audit"
    verbose_name = "审计"
