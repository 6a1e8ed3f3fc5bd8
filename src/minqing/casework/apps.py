from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "minqing.casework"
    verbose_name = "一台账两清单"
