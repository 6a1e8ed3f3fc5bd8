from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "minqing.sources"
    verbose_name = "数据来源与导入"
