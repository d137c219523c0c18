from django.apps import AppConfig


class SimplePrintConfig(AppConfig):
    name = "apps.simpleprint"
    label = "simpleprint"
    verbose_name = "SimplePrint"

    def ready(self) -> None:
        """Wire the side effects that flow against the import direction: the inbox hands stored
        events to the runtime's dispatcher, the state writers announce changed rows to the live
        outbox, the alerts and the confirmation of operator actions, and the pages' heartbeat
        reads the sync mode. All are passed in
        here, so no lower layer imports a higher one."""
        # The project's Celery app becomes the current app, so that the shared tasks send to
        # its broker (REDIS_URL) from the ASGI servers too, not only inside `celery -A config`.
        import config.celery  # noqa: F401

        from .actions.confirm import ActionConfirmer
        from .live import heartbeat
        from .live.outbox import OutboxRecorder
        from .notify.alerts import AlertRecorder
        from .ops import checks  # noqa: F401  (registers the system checks)
        from .processing import inbox
        from .runtime.dispatch import dispatch
        from .state import changes
        from .sync import modes

        inbox.set_dispatcher(dispatch)
        changes.register(OutboxRecorder(), AlertRecorder(), ActionConfirmer())
        heartbeat.set_status_source(modes.live_status)
