from django.apps import AppConfig


class SimplePrintConfig(AppConfig):
    name = "apps.simpleprint"
    label = "simpleprint"
    verbose_name = "SimplePrint"

    def ready(self) -> None:
        # The project's Celery app becomes the current app, so that the shared tasks send to
        # its broker (REDIS_URL) from the ASGI servers too, not only inside `celery -A config`.
        import config.celery  # noqa: F401

        from . import checks  # noqa: F401  (registers the system checks)
