from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "minqing.synth"
    verbose_name = "模拟数据"
