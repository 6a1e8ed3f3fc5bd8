from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minqing.accounts"
    verbose_name = "用户与单位"

    def ready(self) -> None:
        from minqing.accounts import audit_signals  # noqa: F401 (connects the receivers)
