"""Running the background work: the periodic jobs, the in-process worker and scheduler, Celery tasks, dispatch of stored events, the ASGI lifecycle."""
