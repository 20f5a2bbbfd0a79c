from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (pages follow an account's deactivation)
        from accounts.notifications import receivers  # noqa: F401  (subscribes to reviews' events)
