"""Serializers for the REST API and the live WebSocket messages (one shape for both)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Printer, PrinterWebhookEvent, PrintJob, PrintQueue
from .samples import SAMPLE_EVENTS


class PrintJobSerializer(serializers.ModelSerializer):
    printer_id = serializers.IntegerField(source="printer.sp_id", read_only=True, default=None)

    class Meta:
        model = PrintJob
        fields = [
            "sp_id", "uid", "printer_id", "file_name", "status", "percentage", "started_at",
            "ended_at", "duration", "estimate_seconds", "started_by_name", "ended_by_name",
            "autoprint", "cost", "skipped_objects", "bed_cleared_at", "source", "updated_at",
        ]


class PrinterSerializer(serializers.ModelSerializer):
    current_job = PrintJobSerializer(read_only=True)

    class Meta:
        model = Printer
        fields = [
            "sp_id", "name", "group_id", "group_name", "model_id", "model_name", "sort_order",
            "state", "raw_state", "online", "current_job", "progress", "time_left",
            "progress_at", "bed_needs_clearing", "material", "nozzle_size", "custom_tags",
            "autoprint_state", "out_of_order", "state_source", "state_updated_at",
            "last_polled_at",
        ]


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

    status = serializers.CharField(read_only=True)

    class Meta:
        model = PrinterWebhookEvent
        fields = [
            "id", "webhook_id", "event", "canonical_event", "category", "timestamp",
            "occurred_at", "received_at", "status", "processed", "ignored", "processing_error",
            "attempts", "next_attempt_at", "processed_at", "deliveries", "printer_sp_id",
            "job_sp_id", "queue_item_sp_id",
        ]


class PrinterWebhookEventDetailSerializer(PrinterWebhookEventSerializer):
    """One event of the log with the delivery as received and the headers kept with it."""

    class Meta(PrinterWebhookEventSerializer.Meta):
        fields = [*PrinterWebhookEventSerializer.Meta.fields, "dedup_key", "payload", "headers"]


class EventCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    processed = serializers.IntegerField()
    ignored = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()


class WebhookStatusSerializer(serializers.Serializer):
    """``GET webhook/test/``: whether deliveries can arrive, and whether they do."""

    mode = serializers.ChoiceField(choices=["webhooks", "polling"])
    receiver_url = serializers.URLField()
    receiver_registered = serializers.BooleanField(
        allow_null=True, help_text="Whether a registered webhook points at receiver_url; null "
                                   "when SimplyPrint could not be asked.")
    secret_configured = serializers.BooleanField()
    previous_secret_configured = serializers.BooleanField()
    insecure_webhooks_allowed = serializers.BooleanField()
    subscribed_events = serializers.ListField(child=serializers.CharField())
    counts = EventCountsSerializer()
    last_received_at = serializers.DateTimeField(allow_null=True)
    webhooks = serializers.ListField(
        child=serializers.DictField(), allow_null=True,
        help_text="Registrations at SimplyPrint (webhooks/Get), without their secrets.")
    webhooks_error = serializers.CharField(allow_null=True)


class WebhookTestRequestSerializer(serializers.Serializer):
    """Either ask SimplyPrint for a test delivery, or inject a sample delivery locally."""

    webhook_id = serializers.IntegerField(required=False, min_value=1)
    inject_event = serializers.ChoiceField(choices=list(SAMPLE_EVENTS), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("webhook_id" in attrs) == ("inject_event" in attrs):
            raise serializers.ValidationError(
                "Give exactly one of webhook_id (SimplyPrint sends its test delivery) or "
                "inject_event (a sample delivery is injected locally)."
            )
        return attrs


class WebhookTestingDataSerializer(serializers.Serializer):
    """What a ``POST webhook/test/`` did."""

    action = serializers.ChoiceField(choices=["webhook_id", "inject_event"])
    message = serializers.CharField()
    event_id = serializers.IntegerField(allow_null=True)
    event = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True, help_text="The event's status after processing")
    duplicate = serializers.BooleanField()
    webhook_id = serializers.IntegerField(allow_null=True)


class ReprocessResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    processing_error = serializers.CharField(allow_blank=True)



class WebhookEnabledRequestSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class WebhookEnabledSerializer(serializers.Serializer):
    webhook_id = serializers.IntegerField()
    enabled = serializers.BooleanField()
    message = serializers.CharField()
