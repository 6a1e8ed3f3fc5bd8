from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "minqing.dashboards"
    verbose_name = "工作看板"
