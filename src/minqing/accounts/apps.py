from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minqing.accounts"
    verbose_name = "用户与单位"
