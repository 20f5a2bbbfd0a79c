from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # Not "Accounts": the sign-in app (allauth.account) has that name in the admin already.
    verbose_name = "People and notifications"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (pages follow an account's deactivation)
        from accounts.notifications import receivers  # noqa: F401  (subscribes to reviews' events)
