from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minqing.core"
    verbose_name = "基础"
