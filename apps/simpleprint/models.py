"""The SimplyPrint mirror: the inbox of received webhook deliveries, and the domain state built
from them (printers, print jobs, queue items), plus the outbox of live changes for the pages.

Every domain row remembers the SimplyPrint time of the last change applied to it (``(timestamp,
rank)`` pairs) so that an event delivered late never overwrites newer state.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StateSource(models.TextChoices):
    WEBHOOK = "webhook", _("webhook")
    POLL = "poll", _("poll")


def fitted(field: models.Field, value: Any) -> Any:
    """``value`` as ``field``'s column holds it: text cut to ``max_length``, integers clamped to
    the column's range (the same ranges on every database), non-finite floats dropped."""
    if value is None:
        return None
    if isinstance(field, models.CharField) and field.max_length and isinstance(value, str):
        return value[:field.max_length]
    if isinstance(field, models.FloatField) and isinstance(value, float) \
            and not math.isfinite(value):
        return None if field.null else 0.0
    low_high = BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())
    if low_high is not None and isinstance(value, int) and not isinstance(value, bool):
        low, high = low_high
        return max(low, min(high, value))
    return value


@functools.cache
def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    """A model's concrete fields by attname."""
    return {field.attname: field for field in model._meta.concrete_fields}


class FitsColumns(models.Model):
    """A row whose values are fitted to its columns before every save (SimplyPrint's payloads
    carry values of any length and size: a 201-character name must not fail an event).

    A row read from the database is saved by writing only the columns whose values changed
    since it was read or last saved (an event changes a few of a printer's forty), plus its
    JSON columns, which may have changed in place, and its ``auto_now`` ones (none of these and
    nothing changed: nothing written). ``update_fields`` given: exactly those, as Django does.
    """

    #: The values of the columns as the database holds them (by attname), for a row read from
    #: it or saved; absent on a row not yet saved.
    _stored: dict[str, Any]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not args and not self._state.adding and "_stored" in self.__dict__ \
                and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = self.changed_columns()
            self.fit_to_columns(kwargs["update_fields"])  # the others hold fitted values
            if not kwargs["update_fields"] or self._update(kwargs["update_fields"], kwargs):
                return
        else:
            self.fit_to_columns()
        super().save(*args, **kwargs)
        written = kwargs.get("update_fields")
        self._remember_stored(None if written is None else set(written))

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Any:
        row = super().from_db(*args, **kwargs)
        row._remember_stored(None)
        return row

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
        self._remember_stored(None if fields is None else set(fields))

    def _update(self, names: list[str], options: dict[str, Any]) -> bool:
        """Write the columns ``names`` with one ``UPDATE … WHERE id = …`` built here, as
        Django's update compiler would build it (its building is most of a save's cost); no
        model signals are sent (none is connected to these rows). False, with nothing
        written, where Django's way is needed: another database, a value that is an
        expression or a model, or no such row any more."""
        connection = connections[self._state.db or DEFAULT_DB_ALIAS]
        if options.get("using") not in (None, connection.alias):
            return False
        by_attname = _columns(type(self))
        values = []
        for name in names:
            field = by_attname[name]
            value = field.pre_save(self, False)  # an ``auto_now`` time is taken here
            if hasattr(value, "resolve_expression") or hasattr(value, "prepare_database_save") \
                    or hasattr(field, "get_placeholder"):
                return False
            values.append(field.get_db_prep_save(value, connection))
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(str(by_attname[name].column))} = %s" for name in names)
        with transaction.mark_for_rollback_on_error(connection.alias), \
                connection.cursor() as cursor:  # as Django's save: a failure spoils the block
            cursor.execute(f"UPDATE {quote(self._meta.db_table)} SET {assignments} "
                           f"WHERE {quote(str(self._meta.pk.column))} = %s", [*values, self.pk])
            if cursor.rowcount != 1:
                return False
        self._remember_stored(set(names))
        return True

    def changed_columns(self) -> list[str]:
        """The attnames a save writes: changed since read or saved, JSON, ``auto_now``."""
        stored, values = self._stored, self.__dict__
        changed = []
        for field in self._meta.concrete_fields:
            name = field.attname
            if field.primary_key or name not in values:
                continue  # deferred and never read: not written, as Django does
            if name not in stored or isinstance(field, models.JSONField) \
                    or getattr(field, "auto_now", False) or values[name] != stored[name]:
                changed.append(name)
        return changed

    def _remember_stored(self, names: set[str] | None) -> None:
        """Note the current values of the columns ``names`` (names or attnames; None: every
        column read) as what the database holds."""
        stored = self.__dict__.setdefault("_stored", {})
        values = self.__dict__
        for field in self._meta.concrete_fields:
            if field.attname in values and (
                    names is None or field.attname in names or field.name in names):
                stored[field.attname] = values[field.attname]

    def fit_to_columns(self, names: list[str] | None = None) -> None:
        """Fit the values of the columns ``names`` (attnames; None: all) to their columns."""
        by_attname = _columns(type(self))
        for name in by_attname if names is None else names:
            field = by_attname[name]
            value = getattr(self, name)
            fitted_value = fitted(field, value)
            if fitted_value is not value:
                setattr(self, name, fitted_value)


class PrinterWebhookEvent(models.Model):
    """One delivery received from SimplyPrint, stored before it is acknowledged.

    The inbox is the queue: a task carries only this row's id, and the sweeper picks up rows
    left unprocessed, so a lost task message never loses an event.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PROCESSED = "processed", _("processed")
        IGNORED = "ignored", _("ignored")
        FAILED = "failed", _("failed")

    webhook_id = models.BigIntegerField(null=True, blank=True)
    event = models.CharField(max_length=100, db_index=True)
    # The name the event was applied as, after resolving the brief's guessed aliases.
    canonical_event = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=32, db_index=True)
    timestamp = models.BigIntegerField(help_text=_("SimplyPrint's Unix time of the event"),
                                    db_index=True)
    # The SimplyPrint second the event is ordered by: its timestamp, or, when that was further
    # ahead of the receipt than SIMPLEPRINT_MAX_CLOCK_SKEW allows, the receipt time. Indexed for
    # the sync tick's newest event (sync/modes.py) and the queue read after prints (polling).
    ordering_timestamp = models.BigIntegerField(
        default=0, db_index=True, help_text=_("The SimplyPrint time the event is ordered by"))
    timestamp_clamped = models.BooleanField(
        default=False, help_text=_("The timestamp was too far ahead of the receipt time, so the "
                                   "event is ordered by its receipt time"))
    occurred_at = models.DateTimeField(db_index=True)
    payload = models.JSONField(help_text=_("The whole envelope as received"))
    headers = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=64, unique=True)
    deliveries = models.PositiveIntegerField(
        default=1, help_text=_("How many identical deliveries arrived (SimplyPrint retries)")
    )
    printer_sp_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    job_sp_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    queue_item_sp_id = models.BigIntegerField(null=True, blank=True)

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Derived from processed, ignored and processing_error by status_for() on every save.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True, editable=False)
    processed = models.BooleanField(default=False)
    ignored = models.BooleanField(default=False, help_text=_("Unknown or informational event"))
    processing_error = models.TextField(blank=True)
    processing_note = models.TextField(
        blank=True, help_text=_("What processing recovered by re-reading SimplyPrint"))
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("printer webhook event")
        verbose_name_plural = _("Printer Webhook Events")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["processed", "next_attempt_at"], name="sp_event_due_idx"),
            models.Index(fields=["event", "-received_at"], name="sp_event_name_recv_idx"),
        ]
        # The actions on stored events and on the registrations at SimplyPrint; the groups
        # that have them: apps/simpleprint/permissions.py.
        permissions = [
            ("reprocess_events", "Can apply stored webhook events again"),
            ("inject_samples", "Can inject sample webhook deliveries"),
            ("test_webhooks", "Can ask SimplyPrint for a test webhook delivery"),
            ("manage_webhooks", "Can see and switch every webhook registered at SimplyPrint"),
            ("ping_pages", "Can ping the open Planning pages"),
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.timestamp} (#{self.pk})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.derive()
        fields = kwargs.get("update_fields")
        if fields is not None:
            kwargs["update_fields"] = {*fields, "status"}
        super().save(*args, **kwargs)

    def derive(self) -> None:
        """What every write of the row derives from its other columns: the ordering time
        (the timestamp when none was given) and the status (:meth:`status_for`)."""
        if not self.ordering_timestamp:
            self.ordering_timestamp = self.timestamp
        self.status = self.status_for(processed=self.processed, ignored=self.ignored,
                                      processing_error=self.processing_error)

    @classmethod
    def status_for(cls, *, processed: bool, ignored: bool, processing_error: str) -> str:
        """The one rule for an event's status: applied (processed or ignored), or not yet
        (failed when its last attempt left an error, else pending)."""
        if processed:
            return cls.Status.IGNORED if ignored else cls.Status.PROCESSED
        return cls.Status.FAILED if processing_error else cls.Status.PENDING


class Printer(FitsColumns):
    """A printer's latest known state, and where and when that state came from."""

    class State(models.TextChoices):
        OPERATIONAL = "operational", _("operational")
        PRINTING = "printing", _("printing")
        PAUSED = "paused", _("paused")
        CANCELLING = "cancelling", _("cancelling")
        DOWNLOADING = "downloading", _("downloading")
        ERROR = "error", _("needs attention")
        OFFLINE = "offline", _("offline")
        UNKNOWN = "unknown", _("unknown")

    sp_id = models.BigIntegerField(unique=True, verbose_name=_("SimplyPrint id"))
    name = models.CharField(max_length=200, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    group_name = models.CharField(max_length=200, blank=True)
    model_id = models.BigIntegerField(null=True, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    sort_order = models.IntegerField(default=0)

    state = models.CharField(max_length=20, choices=State.choices, default=State.UNKNOWN)
    raw_state = models.CharField(max_length=50, blank=True)
    online = models.BooleanField(null=True)
    current_job = models.ForeignKey(
        "PrintJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(null=True, blank=True)
    time_left = models.IntegerField(null=True, blank=True, help_text=_("seconds"))
    progress_at = models.DateTimeField(null=True, blank=True)
    bed_needs_clearing = models.BooleanField(default=False)

    material = models.JSONField(default=list, blank=True)
    nozzle_size = models.FloatField(null=True, blank=True)
    custom_tags = models.JSONField(default=list, blank=True)
    autoprint_state = models.CharField(max_length=20, blank=True)
    out_of_order = models.BooleanField(default=False)
    # Why and by whom the printer was set out of order (from the event; empty when polled).
    out_of_order_reason = models.CharField(max_length=500, blank=True)
    out_of_order_by = models.CharField(max_length=200, blank=True)
    # The job that ended last on this printer (its bed needs clearing until ``job.bed_cleared``).
    last_job = models.ForeignKey(
        "PrintJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by save() when the printer goes offline, cleared when it is back: one offline episode.
    offline_since = models.DateTimeField(null=True, blank=True)

    state_source = models.CharField(max_length=10, choices=StateSource.choices, blank=True)
    state_updated_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # {aspect: stamp} of the last change applied to each independent part of the state.
    aspect_times = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["sort_order", "name", "sp_id"]
        indexes = [models.Index(fields=["state"], name="sp_printer_state_idx")]

    def __str__(self) -> str:
        return self.name or f"printer {self.sp_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep ``offline_since``: the one rule for when an offline episode began."""
        offline = self.state == self.State.OFFLINE
        since = self.offline_since
        if offline and since is None:
            # Only a poll says a printer is offline: the time of that poll, when there is one.
            self.offline_since = self.last_polled_at or self.progress_at or timezone.now()
        elif not offline and since is not None:
            self.offline_since = None
        fields = kwargs.get("update_fields")
        if fields is not None and self.offline_since != since:
            kwargs["update_fields"] = {*fields, "offline_since"}
        super().save(*args, **kwargs)


class PrintJob(FitsColumns):
    """One print on one printer."""

    class Status(models.TextChoices):
        PRINTING = "printing", _("printing")
        PAUSED = "paused", _("paused")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        UNKNOWN = "unknown", _("unknown")

    TERMINAL = frozenset({Status.DONE, Status.FAILED, Status.CANCELLED})

    sp_id = models.BigIntegerField(unique=True, verbose_name=_("SimplyPrint job id"))
    uid = models.CharField(max_length=64, blank=True, db_index=True)
    printer = models.ForeignKey(
        Printer, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    file_name = models.CharField(max_length=500, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNKNOWN)
    percentage = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True, help_text=_("seconds"))
    estimate_seconds = models.IntegerField(null=True, blank=True)
    started_by_id = models.BigIntegerField(null=True, blank=True)
    started_by_name = models.CharField(max_length=200, blank=True)
    ended_by_name = models.CharField(max_length=200, blank=True)
    autoprint = models.BooleanField(default=False)
    cost = models.FloatField(null=True, blank=True)
    skipped_objects = models.JSONField(default=list, blank=True)
    bed_cleared_at = models.DateTimeField(null=True, blank=True)
    panel_url = models.CharField(max_length=500, blank=True)
    # Why a failed or cancelled job ended (SimplyPrint's failedReason / cancel reason + comment).
    end_reason = models.TextField(blank=True)
    # The strongest AI failure detection on this job (``printer.ai_failure_detected``).
    ai_confidence = models.FloatField(null=True, blank=True)
    ai_type = models.CharField(max_length=100, blank=True)
    ai_image_url = models.CharField(max_length=1000, blank=True)
    ai_detected_at = models.DateTimeField(null=True, blank=True)
    # When jobs/GetDetails was read for the reason of a failed or cancelled job.
    details_fetched_at = models.DateTimeField(null=True, blank=True)

    source = models.CharField(max_length=10, choices=StateSource.choices, blank=True)
    # {"status": stamp} of the status event applied last (see services/stamps.py).
    aspect_times = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-sp_id"]
        indexes = [
            models.Index(fields=["printer", "-started_at"], name="sp_job_printer_start_idx"),
            models.Index(fields=["status", "-started_at"], name="sp_job_status_start_idx"),
            models.Index(fields=["-started_at"], name="sp_job_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name or 'job'} ({self.sp_id})"

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL


class PrintQueue(FitsColumns):
    """One item of SimplyPrint's print queue (the brief names the model after the queue)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        PENDING_APPROVAL = "pending_approval", _("pending approval")
        APPROVED = "approved", _("approved")
        DENIED = "denied", _("denied")
        DONE = "done", _("done")
        DELETED = "deleted", _("deleted")

    ACTIVE = frozenset({State.QUEUED, State.PENDING_APPROVAL, State.APPROVED})

    sp_id = models.BigIntegerField(unique=True, verbose_name=_("SimplyPrint queue item id"))
    filename = models.CharField(max_length=500, blank=True)
    note = models.TextField(blank=True)
    position = models.IntegerField(default=0)
    group_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    amount = models.PositiveIntegerField(default=1)
    left = models.PositiveIntegerField(default=1)
    printed = models.PositiveIntegerField(default=0)
    for_printers = models.JSONField(default=list, blank=True)
    for_models = models.JSONField(default=list, blank=True)
    for_groups = models.JSONField(default=list, blank=True)
    estimate_seconds = models.IntegerField(null=True, blank=True)
    added_by_id = models.BigIntegerField(null=True, blank=True)
    added_by_name = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(null=True, blank=True)
    decided_by_name = models.CharField(max_length=200, blank=True)
    decision_reason = models.TextField(blank=True)

    source = models.CharField(max_length=10, choices=StateSource.choices, blank=True)
    # {"state": stamp, "fields": stamp} of the last changes applied (see services/stamps.py).
    aspect_times = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("print queue item")
        verbose_name_plural = _("Print Queues")
        ordering = ["position", "sp_id"]
        indexes = [models.Index(fields=["state", "position"], name="sp_queue_state_pos_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sp_id})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE


class QueueClearance(models.Model):
    """When a queue group (or the whole queue: ``group_id`` null) was last emptied, so that an
    ``queue.add_item`` older than the clearance, delivered late, does not resurrect an item."""

    group_id = models.BigIntegerField(null=True, blank=True, unique=True)
    cleared_ts = models.BigIntegerField()

    def __str__(self) -> str:
        return f"group {self.group_id} emptied at {self.cleared_ts}"


class LiveUpdate(models.Model):
    """The outbox of live changes. Its id is the sequence number pages use to notice and fill
    gaps after a reconnect; old rows are pruned to ``PRINTFARM_LIVE['retention']``."""

    kind = models.CharField(max_length=50)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    def as_message(self) -> dict[str, Any]:
        return {"seq": self.pk, "type": self.kind, "data": self.payload}


class SyncState(models.Model):
    """The one row describing how state reaches this service (webhooks or polling) and when the
    poller last ran. A database row, not cache keys: every process (ASGI server, Celery workers,
    beat) must agree on the mode, it must survive restarts, and the locmem cache of the
    embedded default is per process. Times are SimplyPrint's (Unix seconds as datetimes)."""

    class Mode(models.TextChoices):
        WEBHOOKS = "webhooks", _("webhooks")
        POLLING = "polling", _("polling")

    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.WEBHOOKS)
    reason = models.TextField(blank=True)
    mode_changed_at = models.DateTimeField(null=True, blank=True)
    # The newest inbox id when polling began: a delivery after it means webhooks are back.
    switch_event_id = models.BigIntegerField(default=0)
    registration_checked = models.BooleanField(default=False)
    # When a test delivery was asked for because deliveries went quiet (see services/modes.py).
    probe_sent_at = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_reconcile_at = models.DateTimeField(null=True, blank=True)
    last_queue_sync_at = models.DateTimeField(null=True, blank=True)
    # When the names of groups, tags and queue groups were last read (see state/names.py).
    last_names_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    # Multiplies every interval; doubled on each 429 up to a cap, back to 1 on success.
    backoff = models.PositiveIntegerField(default=1)
    last_error = models.TextField(blank=True)
    # Why SimplyPrint's webhook API refused us, for the operator (empty while it answers), and
    # when it was last asked; while it refuses, the sync polls and asks again now and then.
    webhooks_error = models.TextField(blank=True)
    webhooks_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sync state")

    def __str__(self) -> str:
        return f"{self.mode} ({self.reason})"


class NamedRef(FitsColumns):
    """A name SimplyPrint gives an id of one vocabulary (printer groups, printer models, custom
    tags, material types, queue groups), so that the page can show names instead of ids."""

    class Kind(models.TextChoices):
        GROUPS = "groups", _("printer groups")
        MODELS = "models", _("printer models")
        TAGS = "tags", _("custom tags")
        MATERIAL_TYPES = "material_types", _("material types")
        QUEUE_GROUPS = "queue_groups", _("queue groups")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    sp_id = models.BigIntegerField(verbose_name=_("SimplyPrint id"))
    name = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("name")
        ordering = ["kind", "sp_id"]
        constraints = [models.UniqueConstraint(fields=["kind", "sp_id"],
                                               name="sp_namedref_kind_id")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sp_id}: {self.name}"


class Notification(models.Model):
    """One alert for people outside the page (Apprise targets, ``PRINTFARM_NOTIFY_URLS``),
    written in the transaction of the state change that raised it and sent afterwards by the
    periodic sender (``notify.sender``). ``key`` makes it once per event: a state change seen
    twice (a webhook and then a poll) finds the row already there."""

    class Kind(models.TextChoices):
        FAILED = "failed", _("print failed")
        AI_FLAGGED = "ai_flagged", _("AI failure detected")
        OFFLINE = "offline", _("printer offline")
        APPROVAL = "approval", _("awaiting approval")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ref = models.BigIntegerField(help_text=_("SimplyPrint id of the job, printer or queue item"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The targets (hashes of their Apprise URLs) that took it: a retry skips them.
    delivered = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sp_notify_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref} ({self.status})"


class OperatorAction(models.Model):
    """One action an operator asked of SimplyPrint through this service: the audit trail.

    Recorded before SimplyPrint is called, so that nothing an operator did is lost when it
    fails; then SimplyPrint's answer (or the error), and the webhook event (or the poll) that
    confirmed the new state. ``status`` is what the page shows: *sending* and *pending* until
    the confirmation (the open states), then *confirmed*, or *mismatch* when SimplyPrint did
    something else than asked, *unconfirmed* when nothing confirmed it in time, *failed*
    when SimplyPrint refused or could not be reached, *refused* when this service refused it
    (the printer or item had changed since the page showed it, or does not allow it).
    """

    class Kind(models.TextChoices):
        CLEAR_BED = "clear_bed", _("clear bed")
        PAUSE = "pause", _("pause")
        RESUME = "resume", _("resume")
        CANCEL = "cancel", _("cancel")
        START = "start", _("start print")
        APPROVE = "approve", _("approve")
        DENY = "deny", _("deny")
        MOVE = "move", _("move")
        REVIVE = "revive", _("revive")
        REMOVE = "remove", _("remove")

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        PENDING = "pending", _("pending")
        CONFIRMED = "confirmed", _("confirmed")
        MISMATCH = "mismatch", _("mismatch")
        UNCONFIRMED = "unconfirmed", _("unconfirmed")
        FAILED = "failed", _("failed")
        REFUSED = "refused", _("refused")

    #: Sent (or being sent) to SimplyPrint and not yet confirmed: what the page shows pending.
    OPEN = frozenset({Status.SENDING, Status.PENDING})

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENDING)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    # Kept when the user is deleted.
    username = models.CharField(max_length=150)
    # "printer:<sp_id>" or "queue:<sp_id>": one request key acts once on each target.
    target = models.CharField(max_length=40)
    printer_sp_id = models.BigIntegerField(null=True, blank=True)
    queue_item_sp_id = models.BigIntegerField(null=True, blank=True)
    job_sp_id = models.BigIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True,
                              help_text=_("The action's parameters, as the operator gave them"))
    expected = models.JSONField(default=dict, blank=True,
                                help_text=_("What the page showed when the operator acted"))
    plan = models.JSONField(default=dict, blank=True, help_text=_(
        "What the service worked out for the call: the queue item to start, where an item "
        "was, the job the printer showed"))
    idempotency_key = models.CharField(max_length=100)
    # Shared by the rows of one request (a bulk clear-bed or approval: one SimplyPrint call).
    batch = models.UUIDField(db_index=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    request = models.JSONField(default=dict, blank=True,
                               help_text=_("The call made to SimplyPrint: method, endpoint, "
                                           "query and body"))
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.JSONField(default=dict, blank=True, help_text=_("SimplyPrint's answer"))
    error = models.TextField(blank=True)
    # Why this service refused it: state_changed (the page showed something else), not_allowed
    # (the state does not allow it), in_flight (another action on it is not confirmed yet).
    refusal = models.CharField(max_length=20, blank=True)
    # The delivery that confirmed it (its id stays when the event log is pruned), or "poll".
    confirmed_by_event_id = models.BigIntegerField(null=True, blank=True)
    confirmed_by_event = models.CharField(max_length=100, blank=True)
    confirmed_via = models.CharField(max_length=10, blank=True)
    result = models.TextField(blank=True, help_text=_("What SimplyPrint did, in words"))

    class Meta:
        verbose_name = _("operator action")
        verbose_name_plural = _("Operator actions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["printer_sp_id", "status"], name="sp_action_printer_idx"),
            models.Index(fields=["queue_item_sp_id", "status"], name="sp_action_item_idx"),
            models.Index(fields=["status", "created_at"], name="sp_action_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key", "target"],
                                    name="sp_action_once_per_key"),
        ]
        # The two families of operator actions; the groups that have them:
        # apps/simpleprint/permissions.py.
        permissions = [
            ("operate_printers",
             "Can clear beds, pause, resume, cancel and start prints through SimplyPrint"),
            ("manage_queue",
             "Can approve, deny, move, revive and remove SimplyPrint queue items"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} by {self.username} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
