"""Applying stored events exactly once: the inbox (store, claim, apply, retry, sweep)."""
