from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "minqing.areas"
    verbose_name = "区域网格"
