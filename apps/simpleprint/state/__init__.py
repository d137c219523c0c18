"""The mirrored farm: the only writers of printers, jobs and queue items, and their readers."""
