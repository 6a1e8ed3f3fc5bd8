from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "minqing.registry"
    verbose_name = "人地事物组织"
