"""Announcing changed rows to whoever records them for the live pages.

The state writers are the lowest layer: they must not know about the outbox, the message format
or the pages. They call :func:`changed` for every row they save; the live layer registers a
:class:`Recorder` once at start-up (``SimplePrintConfig.ready``) that writes the outbox row in
the same transaction; followers registered with it (the alerts) see the same rows. A writer
that may repeat what is known (a poll) takes :func:`capture` of the row before changing it and
asks :func:`differs` afterwards: the recorder compares what the pages are shown, so a field
added to the message format is compared without anyone listing it.

Who follows a change may want to know what caused it: the inbox applies each stored event
inside :func:`caused_by`, and :func:`cause` names that event (None for a poll or a sync).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from django.db import models


class Recorder(Protocol):
    def capture(self, row: models.Model) -> object:
        """What the pages would be shown of ``row`` now."""

    def differs(self, row: models.Model, before: object) -> bool:
        """Whether the pages would be shown something else of ``row`` than ``before``."""

    def record(self, row: models.Model) -> None:
        """Record ``row`` as changed (in the current transaction)."""

    def names(self, changed: dict[str, dict[str, str]]) -> None:
        """Record names that changed, ``{kind: {id: name}}`` (in the current transaction)."""


class Follower(Protocol):
    def record(self, row: models.Model) -> None:
        """``row`` changed (in the current transaction)."""


_recorder: Recorder | None = None
_followers: tuple[Follower, ...] = ()


@dataclass(frozen=True)
class Cause:
    """The stored webhook event whose processing made the changes."""

    event_id: int
    event: str


_cause: ContextVar[Cause | None] = ContextVar("printfarm_change_cause", default=None)


@contextlib.contextmanager
def caused_by(event_id: int, event: str) -> Iterator[None]:
    """The changes made inside are caused by the stored event ``event_id``."""
    token = _cause.set(Cause(event_id, event))
    try:
        yield
    finally:
        _cause.reset(token)


def cause() -> Cause | None:
    """The event being applied, or None (a poll, a reconcile, a sync)."""
    return _cause.get()


def register(recorder: Recorder, *followers: Follower) -> None:
    """The recorder (the live outbox) and whoever else follows each change (alerts)."""
    global _recorder, _followers
    _recorder, _followers = recorder, followers


@contextlib.contextmanager
def recording_with(recorder: Recorder) -> Iterator[None]:
    """Record with ``recorder`` for a while (a dry run records nothing)."""
    global _recorder
    previous, _recorder = _recorder, recorder
    try:
        yield
    finally:
        _recorder = previous


def _current() -> Recorder:
    if _recorder is None:
        raise RuntimeError("no change recorder registered: apps.simpleprint is not ready")
    return _recorder


def capture(row: models.Model) -> object:
    """What the pages are shown of ``row`` before a change that may leave it as it was."""
    return _current().capture(row)


def differs(row: models.Model, before: object) -> bool:
    """Whether the pages would see a change of ``row`` since :func:`capture` gave ``before``:
    compared as it will be stored (fitted to its columns)."""
    fit = getattr(row, "fit_to_columns", None)
    if fit is not None:
        fit()
    return _current().differs(row, before)


def changed(row: models.Model) -> None:
    """``row`` was saved: record it for the pages, and tell the followers."""
    _current().record(row)
    for follower in _followers:
        follower.record(row)


def names_changed(changed: dict[str, dict[str, str]]) -> None:
    """Names of SimplyPrint ids changed (``{kind: {id: name}}``): record them for the pages."""
    if any(changed.values()):
        _current().names({kind: names for kind, names in changed.items() if names})
