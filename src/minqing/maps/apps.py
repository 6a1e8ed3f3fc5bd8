from django.apps import AppConfig


class MapsConfig(AppConfig):
    name = "minqing.maps"
    verbose_name = "民情地图"
