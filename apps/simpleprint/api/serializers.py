"""Requests and answers of the REST API's own endpoints (the webhook diagnostics; the brief's
``WebhookTestRequestSerializer`` and ``WebhookTestingDataSerializer``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..events.registry import SAMPLE_EVENTS


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
        help_text="Registrations at SimplyPrint (webhooks/Get), without their secrets; other "
                  "integrations' only for staff with manage_webhooks.")
    hidden_webhooks = serializers.IntegerField(
        help_text="Registrations of other integrations not shown to this user.")
    webhooks_error = serializers.CharField(allow_null=True)
    webhooks_checked_at = serializers.DateTimeField(
        allow_null=True, help_text="When SimplyPrint last answered about its webhooks (the "
                                   "registrations shown are from then); null: never asked.")


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
    error = serializers.CharField(allow_blank=True, help_text="Why a sample failed to apply")
    rolled_back = serializers.BooleanField(
        help_text="A sample delivery: processed in a transaction that was rolled back")
    changes = serializers.ListField(
        child=serializers.DictField(), help_text=(
            "A sample delivery: the live changes it would have made ({type, data} each)"))


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
