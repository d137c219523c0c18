"""The read API (printers, jobs, queue, event log) and the webhook diagnostics endpoints.

Reading needs an authenticated user (``Authorization: Token <token>`` or a session); every
action needs its Django permission (``apps/simpleprint/permissions.py``): reprocessing
``reprocess_events``, injecting ``inject_samples``, test deliveries ``test_webhooks``, switching
webhooks ``manage_webhooks``. Only staff with ``manage_webhooks`` see other integrations'
registrations.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from ..models import PrinterWebhookEvent
from ..ops import diagnostics
from ..permissions import MANAGE_WEBHOOKS, REPROCESS_EVENTS, sees_every_webhook
from ..serializers import (
    PrinterSerializer,
    PrinterWebhookEventDetailSerializer,
    PrinterWebhookEventSerializer,
    PrintJobSerializer,
    PrintQueueSerializer,
)
from ..state import selectors
from .access import ReadOrTestDelivery, requires
from .errors import BadGateway
from .filters import (
    EventFilter,
    JobFilter,
    PrinterFilter,
    QueueFilter,
    StrictOrderingFilter,
    query_params,
)
from .serializers import (
    ReprocessResultSerializer,
    WebhookEnabledRequestSerializer,
    WebhookEnabledSerializer,
    WebhookStatusSerializer,
    WebhookTestingDataSerializer,
    WebhookTestRequestSerializer,
)

ErrorSerializer = inline_serializer("Error", fields={
    "detail": serializers.CharField(),
    "errors": serializers.DictField(required=False, help_text="Per parameter or field (400)"),
})
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A parameter or field is invalid"),
    401: OpenApiResponse(ErrorSerializer, description="No or wrong credentials"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this user"),
}


class PageSizeParamsSerializer(serializers.Serializer):
    page_size = serializers.IntegerField(min_value=1, max_value=500, required=False)


class Pagination(PageNumberPagination):
    """``?page_size=`` from 1 to 500 (anything else is a 400, not silently the default)."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int | None:
        size = query_params(PageSizeParamsSerializer, request).get("page_size")
        return int(size) if size is not None else self.page_size


class MirrorViewSet(ReadOnlyModelViewSet):
    """List (filtered, ordered, paginated) and detail of one kind of mirrored row."""

    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    pagination_class = Pagination

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # A detail is found by its id whatever list filters the query string carries (a
        # deleted queue item is not "active", yet /queue/<id>/ must find it).
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(summary="The webhook event log"),
    retrieve=extend_schema(summary="One event, with its payload and headers"),
)
class EventViewSet(MirrorViewSet):
    """Every delivery received from SimplyPrint, newest first."""

    filterset_class = EventFilter
    ordering_fields = ["received_at", "occurred_at", "timestamp", "id", "event", "attempts"]
    ordering = ["-received_at", "-id"]

    def get_queryset(self) -> QuerySet[PrinterWebhookEvent]:
        return selectors.event_detail() if self.action != "list" else selectors.event_log()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return PrinterWebhookEventSerializer
        return PrinterWebhookEventDetailSerializer

    @extend_schema(
        summary="Process an event again (reprocess_events)", request=None,
        responses={200: ReprocessResultSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=[requires(REPROCESS_EVENTS)])
    def reprocess(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        status = diagnostics.reprocess([event.pk])[event.pk]
        event.refresh_from_db(fields=["processing_error"])
        return Response(ReprocessResultSerializer(
            {"id": event.pk, "status": status, "processing_error": event.processing_error}
        ).data)


@extend_schema_view(list=extend_schema(summary="Printers and their current jobs"),
                    retrieve=extend_schema(summary="One printer by SimplyPrint id"))
class PrinterViewSet(MirrorViewSet):
    """Each printer's latest known state, where it came from and when."""

    queryset = selectors.printers_with_jobs()
    serializer_class = PrinterSerializer
    filterset_class = PrinterFilter
    lookup_field = "sp_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["sort_order", "name", "sp_id", "state", "state_updated_at"]
    ordering = ["sort_order", "name", "sp_id"]


@extend_schema_view(list=extend_schema(summary="Print job history, newest first"),
                    retrieve=extend_schema(summary="One job by SimplyPrint job id"))
class JobViewSet(MirrorViewSet):
    """Print jobs: filter by printer, status, time range or part of the file name."""

    queryset = selectors.job_history()
    serializer_class = PrintJobSerializer
    filterset_class = JobFilter
    lookup_field = "sp_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["started_at", "ended_at", "sp_id", "status", "file_name", "duration",
                       "updated_at"]
    ordering = ["-started_at", "-sp_id"]


@extend_schema_view(list=extend_schema(summary="The print queue (active items by default)"),
                    retrieve=extend_schema(summary="One queue item by SimplyPrint id"))
class QueueViewSet(MirrorViewSet):
    """SimplyPrint's print queue; ``?state=all`` includes done, denied and deleted items."""

    queryset = selectors.all_queue_items()
    serializer_class = PrintQueueSerializer
    filterset_class = QueueFilter
    lookup_field = "sp_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["position", "sp_id", "added_at", "updated_at", "filename", "state"]
    ordering = ["position", "sp_id"]


def _refresh(request: Request) -> bool:
    """``?refresh=1``: ask SimplyPrint for its webhook registrations now."""
    return request.method == "GET" and request.query_params.get("refresh", "").lower() in (
        "1", "true", "yes")


class WebhookTestView(APIView):
    """``webhook/test/``: the webhook set-up at a glance, and end-to-end delivery checks."""

    permission_classes = [ReadOrTestDelivery]

    def get_throttles(self) -> list[Any]:
        # Asking SimplyPrint for a test delivery, or for its registrations again (refresh),
        # spends the shared API budget.
        data = self.request.data if self.request.method == "POST" else {}
        spends = (isinstance(data, dict) and "webhook_id" in data) or _refresh(self.request)
        self.throttle_scope = "simplyprint" if spends else ""
        return super().get_throttles()

    @extend_schema(
        summary="Webhook registration, secret, counts and mode",
        description="The registrations are what SimplyPrint last said (the sync keeps them "
                    "fresh): reading this costs no SimplyPrint API call. `?refresh=1` asks "
                    "SimplyPrint again, at most once every few seconds.",
        parameters=[OpenApiParameter("refresh", bool, description="Ask SimplyPrint now")],
        responses={200: WebhookStatusSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        overview = diagnostics.webhook_overview(refresh=_refresh(request))
        shown = diagnostics.visible_overview(overview, sees_every_webhook(request.user))
        return Response(WebhookStatusSerializer(shown).data)

    @extend_schema(
        summary="Trigger SimplyPrint's test delivery (test_webhooks), or inject a sample "
                "delivery (inject_samples)",
        request=WebhookTestRequestSerializer,
        responses={
            200: WebhookTestingDataSerializer, **ERRORS,
            502: OpenApiResponse(ErrorSerializer, description="SimplyPrint refused or failed"),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = WebhookTestRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "inject_event" in data:
            outcome = diagnostics.inject_sample(data["inject_event"])
        else:
            try:
                outcome = diagnostics.trigger_test_delivery(data["webhook_id"])
            except diagnostics.SimplyPrintUnavailable as exc:
                raise BadGateway(str(exc)) from exc
        return Response(WebhookTestingDataSerializer(outcome).data)


class WebhookEnabledView(APIView):
    """``webhook/hooks/<id>/enabled/``: switch a webhook registered at SimplyPrint on or off."""

    permission_classes = [requires(MANAGE_WEBHOOKS)]
    throttle_scope = "simplyprint"

    @extend_schema(
        summary="Enable or disable a SimplyPrint webhook (manage_webhooks)",
        request=WebhookEnabledRequestSerializer,
        responses={
            200: WebhookEnabledSerializer, **ERRORS,
            502: OpenApiResponse(ErrorSerializer, description="SimplyPrint refused or failed"),
        },
    )
    def post(self, request: Request, webhook_id: int) -> Response:
        serializer = WebhookEnabledRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enabled = serializer.validated_data["enabled"]
        try:
            outcome = diagnostics.set_webhook_enabled(webhook_id, enabled)
        except diagnostics.SimplyPrintUnavailable as exc:
            raise BadGateway(str(exc)) from exc
        return Response(WebhookEnabledSerializer(
            {"webhook_id": webhook_id, "enabled": enabled, "message": outcome.message}).data)
