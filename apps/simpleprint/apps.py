from django.apps import AppConfig


class SimplePrintConfig(AppConfig):
    name = "apps.simpleprint"
    label = "simpleprint"
    verbose_name = "SimplePrint"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
