"""The mirrored farm: the only writers of printers, jobs and queue items, the ordering rules, and the read-side selectors."""
