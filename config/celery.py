"""The Celery application for the production profile (``celery -A config worker``)."""

import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init
from django.db import close_old_connections

from apps.simpleprint.runtime.periodic import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("printfarm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = beat_schedule()
app.autodiscover_tasks(["apps.simpleprint.runtime"])


@worker_process_init.connect
def freeze_loaded_objects(**_: object) -> None:
    """As in ``config.asgi``: the code loaded before the fork outlives every task, so full
    garbage collections need not walk it."""
    gc.freeze()


@task_prerun.connect
@task_postrun.connect
def close_stale_connections(**_: object) -> None:
    """Around each task, as around each request: close connections older than
    ``CONN_MAX_AGE`` or broken, keep the others (see ``CELERY_DB_REUSE_MAX``)."""
    close_old_connections()
