from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "minqing.linkage"
    verbose_name = "数据交叉对比"
