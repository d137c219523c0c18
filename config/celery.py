"""The Celery application for the production profile (``celery -A config worker``)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("printfarm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_loaded_objects(**_: object) -> None:
    """As in ``config.asgi``: the code loaded before the fork outlives every task, so full
    garbage collections need not walk it."""
    gc.freeze()
