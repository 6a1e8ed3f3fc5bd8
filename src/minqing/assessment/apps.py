from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "minqing.assessment"
    verbose_name = "综合评估"
