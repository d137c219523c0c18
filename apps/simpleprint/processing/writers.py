"""Turns for this process's writers of the inbox on SQLite: the receiver and the worker.

SQLite lets one writer at a time; a writer that finds the database locked sleeps and tries
again in growing steps (1, 2, 5, … up to 100 ms, SQLite's busy handler), so under a steady
stream a delivery's INSERT waiting for the worker's transaction overslept its end by tens of
milliseconds, and the worker waiting for INSERTs likewise (bench/README.md, "cost"). Within one
process the two take turns through a lock instead, which hands over the moment it is released.
Other writers, and other processes, still meet SQLite's busy handler; PostgreSQL needs no turns.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection

_turn = threading.RLock()


@contextlib.contextmanager
def turn() -> Iterator[None]:
    """Hold this process's write turn (SQLite only) while the block writes."""
    if connection.vendor != "sqlite":
        yield
        return
    with _turn:
        yield
