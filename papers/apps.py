from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = "Papers"

    def ready(self) -> None:
        from papers import signals, web  # noqa: F401  (model signals; the <arxiv:…> converter)
