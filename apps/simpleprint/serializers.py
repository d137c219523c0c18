"""How a mirrored row is represented, in the REST API and in the live messages alike (the
brief's ``PrintJobSerializer``, ``PrintQueueSerializer``, ``PrinterWebhookEventSerializer``)."""

from __future__ import annotations

from datetime import UTC, datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import OperatorAction, Printer, PrinterWebhookEvent, PrintJob, PrintQueue
from .state import conditions, rules


class PrintJobSerializer(serializers.ModelSerializer):
    printer_id = serializers.IntegerField(source="printer.sp_id", read_only=True, default=None)

    class Meta:
        model = PrintJob
        fields = [
            "sp_id", "uid", "printer_id", "file_name", "status", "percentage", "started_at",
            "ended_at", "duration", "estimate_seconds", "started_by_name", "ended_by_name",
            "autoprint", "cost", "skipped_objects", "bed_cleared_at", "panel_url", "end_reason",
            "ai_confidence", "ai_type", "ai_image_url", "ai_detected_at", "source", "updated_at",
        ]


class PrinterSerializer(serializers.ModelSerializer):
    current_job = PrintJobSerializer(read_only=True)
    last_job = PrintJobSerializer(read_only=True, help_text=(
        "The job that ended last on this printer (its bed needs clearing until cleared)"))
    condition = serializers.SerializerMethodField(
        help_text="What the printer needs at a glance (state/conditions.py): offline, "
                  "out_of_order, ai_flagged, paused, printing, downloading, cancelling, error, "
                  "failed, cancelled, bed_to_clear, ready, unknown")
    heard_at = serializers.SerializerMethodField(
        help_text="When the service last heard of the printer (SimplyPrint's time of the newest "
                  "change, or the last poll): the input of the staleness rule")

    class Meta:
        model = Printer
        fields = [
            "sp_id", "name", "group_id", "group_name", "model_id", "model_name", "sort_order",
            "state", "raw_state", "online", "current_job", "progress", "time_left",
            "progress_at", "bed_needs_clearing", "material", "nozzle_size", "custom_tags",
            "autoprint_state", "out_of_order", "out_of_order_reason", "out_of_order_by",
            "last_job", "condition", "offline_since", "state_source", "state_updated_at",
            "last_polled_at", "heard_at",
        ]

    def get_condition(self, printer: Printer) -> str:
        return conditions.condition(printer)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_heard_at(self, printer: Printer) -> str | None:
        heard = rules.heard_at(printer)
        return None if heard is None else self.time(datetime.fromtimestamp(heard, tz=UTC))

    def time(self, value: datetime) -> str:
        """How a computed time is written (as the model's times are)."""
        return str(serializers.DateTimeField().to_representation(value))


class PrintQueueSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrintQueue
        fields = [
            "sp_id", "filename", "note", "position", "group_id", "state", "amount", "left",
            "printed", "for_printers", "for_models", "for_groups", "estimate_seconds",
            "added_by_id", "added_by_name", "added_at", "decided_by_name", "decision_reason",
            "source", "updated_at",
        ]


class PrinterWebhookEventSerializer(serializers.ModelSerializer):
    """The event log row without its payload (see the detail serializer for the payload)."""

    class Meta:
        model = PrinterWebhookEvent
        fields = [
            "id", "webhook_id", "event", "canonical_event", "category", "timestamp",
            "ordering_timestamp", "timestamp_clamped", "occurred_at", "received_at", "status",
            "processed", "ignored", "processing_error", "processing_note", "attempts",
            "next_attempt_at", "processed_at", "deliveries", "printer_sp_id", "job_sp_id",
            "queue_item_sp_id",
        ]


class PrinterWebhookEventDetailSerializer(PrinterWebhookEventSerializer):
    """One event of the log with the delivery as received and the headers kept with it."""

    class Meta(PrinterWebhookEventSerializer.Meta):
        fields = [*PrinterWebhookEventSerializer.Meta.fields, "dedup_key", "payload", "headers"]


class OperatorActionSerializer(serializers.ModelSerializer):
    """An operator action of the audit trail, as lists and the live message ``action.updated``
    show it (SimplyPrint's request and answer are in the detail)."""

    printer_id = serializers.IntegerField(source="printer_sp_id", read_only=True)
    queue_item_id = serializers.IntegerField(source="queue_item_sp_id", read_only=True)
    job_id = serializers.IntegerField(source="job_sp_id", read_only=True)
    open = serializers.BooleanField(source="is_open", read_only=True, help_text=(
        "Sent to SimplyPrint (or being sent) and not confirmed yet: show it pending"))

    class Meta:
        model = OperatorAction
        fields = [
            "id", "kind", "status", "open", "username", "printer_id", "queue_item_id", "job_id",
            "params", "expected", "plan", "batch", "created_at", "answered_at", "confirmed_at",
            "http_status", "error", "refusal", "result", "confirmed_via",
            "confirmed_by_event_id", "confirmed_by_event", "updated_at",
        ]


class OperatorActionDetailSerializer(OperatorActionSerializer):
    """One action with the call made to SimplyPrint and its answer."""

    class Meta(OperatorActionSerializer.Meta):
        fields = [*OperatorActionSerializer.Meta.fields, "request", "answer", "idempotency_key"]
