"""``/api/v1/simpleprint/websocket/ping/``: is anyone listening, and how fast do pages answer?

A POST, by a user with ``ping_pages``: broadcasts a ping to every Planning page of the company,
waits for their pongs (up to ``?wait=`` seconds, 0 to 10, default 1, or until every connected
page answered) and reports the round trips measured by the consumers. Each call holds a server
thread while it waits: it is throttled per user (``PRINTFARM_THROTTLE_PING``)."""

from __future__ import annotations

from statistics import median

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..live import presence
from ..live.publisher import send
from ..permissions import PING_PAGES
from .access import requires
from .filters import query_params


class PingParamsSerializer(serializers.Serializer):
    wait = serializers.FloatField(min_value=0.0, max_value=presence.MAX_WAIT_SECONDS,
                                  default=1.0, help_text="Seconds to wait for pongs (0 to 10)")


class WebSocketPingResultSerializer(serializers.Serializer):
    ping_id = serializers.CharField()
    sent_at = serializers.FloatField()
    listeners = serializers.IntegerField(help_text="Pages that answered the ping in time")
    connected = serializers.IntegerField(help_text="Pages connected to the live channel")
    round_trips_ms = serializers.ListField(child=serializers.FloatField())
    median_ms = serializers.FloatField(allow_null=True)


class WebSocketPingView(APIView):
    permission_classes = [requires(PING_PAGES)]
    throttle_scope = "ping"

    @extend_schema(
        summary="Ping the open Planning pages (ping_pages)",
        request=None,
        responses=WebSocketPingResultSerializer,
        parameters=[OpenApiParameter("wait", float, description="Seconds to wait for pongs "
                                     "(0 to 10; anything else is a 400)")],
    )
    def post(self, request: Request) -> Response:
        wait = query_params(PingParamsSerializer, request)["wait"]
        ping_id, sent_at = presence.new_ping()
        send({"type": "live.ping", "ping_id": ping_id, "sent_at": sent_at})
        result = presence.collect_pongs(ping_id, sent_at, wait,
                                        expected=presence.client_count())
        trips = result.round_trips_ms
        return Response({
            "ping_id": result.ping_id,
            "sent_at": result.sent_at,
            "listeners": len(trips),
            "connected": presence.client_count(),
            "round_trips_ms": trips,
            "median_ms": median(trips) if trips else None,
        })
