"""Django admin for the mirror: the event log, jobs, queue and printers, all read-only (the
services are the only writers), with coloured states, and the operator's two actions; and the
audit trail of operator actions, read-only, with "send again" for the ones that did not
happen (each behind the permission of its action).

Lists stay fast on a large event log: no foreign keys are followed per row, payloads are not
loaded for lists, list filters are fixed choices (no query to build them), and the unfiltered
total is not counted.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .actions import service as actions
from .actions.registry import ACTIONS
from .events.registry import CATEGORIES, SAMPLE_EVENTS, received_names
from .models import NamedRef, OperatorAction, Printer, PrinterWebhookEvent, PrintJob, PrintQueue
from .ops import diagnostics
from .permissions import MANAGE_QUEUE, OPERATE_PRINTERS, REPROCESS_EVENTS, TEST_WEBHOOKS

# Colour classes of simpleprint/admin.css.
GREEN, BLUE, ORANGE, RED, GREY, PURPLE = "green", "blue", "orange", "red", "grey", "purple"
EVENT_COLOURS = {"processed": GREEN, "ignored": GREY, "failed": RED, "pending": ORANGE}
JOB_COLOURS = {"printing": BLUE, "paused": ORANGE, "done": GREEN, "failed": RED,
               "cancelled": GREY, "unknown": GREY}
PRINTER_COLOURS = {"operational": GREEN, "printing": BLUE, "paused": ORANGE,
                   "cancelling": ORANGE, "downloading": BLUE, "error": RED, "offline": GREY,
                   "unknown": GREY}
QUEUE_COLOURS = {"queued": BLUE, "pending_approval": PURPLE, "approved": GREEN,
                 "denied": RED, "done": GREY, "deleted": GREY}
ACTION_COLOURS = {"sending": ORANGE, "pending": ORANGE, "confirmed": GREEN, "mismatch": RED,
                  "unconfirmed": PURPLE, "failed": RED, "refused": GREY}


def badge(value: str, label: Any, colours: dict[str, str]) -> SafeString:
    return format_html('<span class="sp-badge sp-{} sp-{}">{}</span>',
                       value, colours.get(value, GREY), label)


def pretty_json(value: Any) -> SafeString:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html('<pre class="sp-json">{}</pre>', text)


class ReadOnlyMirrorAdmin(admin.ModelAdmin):
    """Every model field shown read-only; rows come from SimplyPrint, not from this form."""

    show_full_result_count = False
    list_per_page = 100

    class Media:
        css = {"all": ("simpleprint/admin.css",)}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        hidden = set(self.exclude or ())
        return [field.name for field in self.model._meta.fields if field.name not in hidden
                ] + list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class RawDataAdmin(ReadOnlyMirrorAdmin):
    """A mirrored row whose ``raw`` SimplyPrint object is shown pretty-printed."""

    exclude = ("raw",)

    @admin.display(description=_("raw data"))
    def raw_pretty(self, row: PrintJob | PrintQueue | Printer) -> SafeString:
        return pretty_json(row.raw)


class FixedChoicesFilter(admin.SimpleListFilter):
    """A list filter whose choices are known in advance: building it runs no query. By default
    it keeps the rows whose field named like the parameter has the chosen value."""

    choices_list: tuple[str, ...] = ()

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, value) for value in self.choices_list]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{str(self.parameter_name): value}) if value else queryset


class EventStatusFilter(FixedChoicesFilter):
    title = _("status")
    parameter_name = "status"
    choices_list = tuple(PrinterWebhookEvent.Status.values)


class EventNameFilter(FixedChoicesFilter):
    title = _("event")
    parameter_name = "event"
    choices_list = SAMPLE_EVENTS

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(event__in=received_names(value)) if value else queryset


class EventCategoryFilter(FixedChoicesFilter):
    title = _("category")
    parameter_name = "category"
    choices_list = CATEGORIES


@admin.register(PrinterWebhookEvent)
class PrinterWebhookEventAdmin(ReadOnlyMirrorAdmin):
    list_display = ("id", "event", "status_badge", "category", "printer_sp_id", "job_sp_id",
                    "occurred_at", "received_at", "timestamp_clamped", "attempts", "deliveries")
    list_display_links = ("id", "event")
    list_filter = (EventStatusFilter, EventNameFilter, EventCategoryFilter)
    search_fields = ("event", "canonical_event", "=printer_sp_id", "=job_sp_id",
                     "=queue_item_sp_id", "=webhook_id")
    date_hierarchy = "received_at"
    readonly_fields = ("status_badge", "payload_pretty", "headers_pretty")
    exclude = ("payload", "headers")
    actions = ("reprocess_selected", "send_test_delivery")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PrinterWebhookEvent]:
        events = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name and match.url_name.endswith("changelist"):
            events = events.defer("payload", "headers")
        return events

    @admin.display(description=_("status"))
    def status_badge(self, event: PrinterWebhookEvent) -> SafeString:
        return badge(event.status, PrinterWebhookEvent.Status(event.status).label, EVENT_COLOURS)

    @admin.display(description=_("payload"))
    def payload_pretty(self, event: PrinterWebhookEvent) -> SafeString:
        return pretty_json(event.payload)

    @admin.display(description=_("headers"))
    def headers_pretty(self, event: PrinterWebhookEvent) -> SafeString:
        return pretty_json(event.headers)

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(REPROCESS_EVENTS))

    def has_test_webhooks_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(TEST_WEBHOOKS))

    @admin.action(description=_("Reprocess selected events"), permissions=["reprocess"])
    def reprocess_selected(self, request: HttpRequest,
                           queryset: QuerySet[PrinterWebhookEvent]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        outcome = Counter(diagnostics.reprocess(ids).values())
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcome.items()))
        level = messages.WARNING if outcome.get("failed") else messages.SUCCESS
        self.message_user(request, f"Reprocessed {len(ids)} event(s): {summary}.", level)

    @admin.action(description=_("Send SimplyPrint test delivery"),
                  permissions=["test_webhooks"])
    def send_test_delivery(self, request: HttpRequest,
                           queryset: QuerySet[PrinterWebhookEvent]) -> None:
        webhook_ids = sorted({webhook_id for webhook_id in queryset.filter(webhook_id__gt=0)
                              .values_list("webhook_id", flat=True) if webhook_id})
        if not webhook_ids:
            self.message_user(request, "None of the selected events came from a registered "
                              "webhook (webhook_id is empty or 0 for samples).", messages.WARNING)
            return
        for webhook_id in webhook_ids:
            try:
                outcome = diagnostics.trigger_test_delivery(webhook_id)
            except diagnostics.SimplyPrintUnavailable as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, outcome.message, messages.SUCCESS)


@admin.register(PrintJob)
class PrintJobAdmin(RawDataAdmin):
    list_display = ("sp_id", "file_name", "printer", "status_badge", "percentage", "started_at",
                    "ended_at", "duration", "started_by_name", "source")
    list_display_links = ("sp_id", "file_name")
    list_select_related = ("printer",)
    list_filter = ("status", "source", "autoprint")
    search_fields = ("file_name", "=sp_id", "uid", "printer__name", "=printer__sp_id")
    date_hierarchy = "started_at"
    readonly_fields = ("status_badge", "raw_pretty")

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, job: PrintJob) -> SafeString:
        return badge(job.status, job.get_status_display(), JOB_COLOURS)



@admin.register(PrintQueue)
class PrintQueueAdmin(RawDataAdmin):
    list_display = ("sp_id", "filename", "state_badge", "position", "group_id", "left",
                    "printed", "added_by_name", "added_at", "source")
    list_display_links = ("sp_id", "filename")
    list_filter = ("state", "source")
    search_fields = ("filename", "=sp_id", "added_by_name", "note")
    date_hierarchy = "added_at"
    readonly_fields = ("state_badge", "raw_pretty")

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, item: PrintQueue) -> SafeString:
        return badge(item.state, item.get_state_display(), QUEUE_COLOURS)



@admin.register(Printer)
class PrinterAdmin(RawDataAdmin):
    list_display = ("sp_id", "name", "state_badge", "online", "current_job", "progress",
                    "group_name", "nozzle_size", "autoprint_state", "out_of_order",
                    "state_source", "state_updated_at")
    list_display_links = ("sp_id", "name")
    list_select_related = ("current_job",)
    list_filter = ("state", "online", "out_of_order", "state_source")
    search_fields = ("name", "=sp_id", "group_name", "model_name")
    readonly_fields = ("state_badge", "raw_pretty")

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, printer: Printer) -> SafeString:
        return badge(printer.state, printer.get_state_display(), PRINTER_COLOURS)


@admin.register(NamedRef)
class NamedRefAdmin(ReadOnlyMirrorAdmin):
    """Names of SimplyPrint's ids, as the sync and the events gave them."""

    list_display = ("kind", "sp_id", "name", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "=sp_id")


class ActionKindFilter(FixedChoicesFilter):
    title = _("action")
    parameter_name = "kind"
    choices_list = tuple(OperatorAction.Kind.values)


class ActionStatusFilter(FixedChoicesFilter):
    title = _("status")
    parameter_name = "status"
    choices_list = tuple(OperatorAction.Status.values)


#: The actions that did not happen and may be asked again.
AGAIN = (OperatorAction.Status.FAILED, OperatorAction.Status.UNCONFIRMED,
         OperatorAction.Status.REFUSED)


@admin.register(OperatorAction)
class OperatorActionAdmin(ReadOnlyMirrorAdmin):
    """The audit trail: read-only (nobody edits or deletes what an operator did)."""

    list_display = ("id", "created_at", "username", "kind", "target", "status_badge",
                    "http_status", "confirmed_via", "error")
    list_display_links = ("id", "kind")
    list_filter = (ActionKindFilter, ActionStatusFilter)
    search_fields = ("username", "=printer_sp_id", "=queue_item_sp_id", "=job_sp_id",
                     "idempotency_key")
    date_hierarchy = "created_at"
    exclude = ("params", "expected", "plan", "request", "answer")
    readonly_fields = ("status_badge", "params_pretty", "expected_pretty", "plan_pretty",
                       "request_pretty", "answer_pretty", "event_link")
    actions = ("send_again",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, action: OperatorAction) -> SafeString:
        return badge(action.status, action.get_status_display(), ACTION_COLOURS)

    @admin.display(description=_("parameters"))
    def params_pretty(self, action: OperatorAction) -> SafeString:
        return pretty_json(action.params)

    @admin.display(description=_("what the page showed"))
    def expected_pretty(self, action: OperatorAction) -> SafeString:
        return pretty_json(action.expected)

    @admin.display(description=_("worked out by the service"))
    def plan_pretty(self, action: OperatorAction) -> SafeString:
        return pretty_json(action.plan)

    @admin.display(description=_("request to SimplyPrint"))
    def request_pretty(self, action: OperatorAction) -> SafeString:
        return pretty_json(action.request)

    @admin.display(description=_("SimplyPrint's answer"))
    def answer_pretty(self, action: OperatorAction) -> SafeString:
        return pretty_json(action.answer)

    @admin.display(description=_("confirming event"))
    def event_link(self, action: OperatorAction) -> SafeString | str:
        if action.confirmed_by_event_id is None:
            return action.confirmed_via or "—"
        url = reverse("admin:simpleprint_printerwebhookevent_change",
                      args=[action.confirmed_by_event_id])
        return format_html('<a href="{}">{} #{}</a>', url, action.confirmed_by_event,
                           action.confirmed_by_event_id)

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(OPERATE_PRINTERS)
                    or request.user.has_perm(MANAGE_QUEUE))

    @admin.action(description=_("Send the selected actions again (failed, unconfirmed or "
                                "refused ones)"), permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OperatorAction]) -> None:
        """Each selected action that did not happen, asked again as a new action (checked
        against the state now, recorded, confirmed like any other)."""
        for action in queryset.order_by("id"):
            spec = ACTIONS[action.kind]
            if action.status not in AGAIN or not request.user.has_perm(spec.family):
                self.message_user(request, _("#%(id)s skipped: it happened, is still open, "
                                             "or needs a permission you lack.")
                                  % {"id": action.pk}, messages.WARNING)
                continue
            sp_id = action.printer_sp_id if spec.target == "printer" else action.queue_item_sp_id
            try:
                outcome = actions.perform(action.kind, request.user,
                                          [actions.Target(int(sp_id or 0))], action.params)
            except actions.UnknownTargets as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            level = messages.SUCCESS if outcome.code == "accepted" else messages.WARNING
            self.message_user(request, f"#{action.pk}: {outcome.detail}", level)
