"""Running the background work: periodic jobs, in-process worker, Celery tasks, dispatch."""
