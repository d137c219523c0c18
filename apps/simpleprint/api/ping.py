"""``/api/v1/simpleprint/websocket/ping/``: is anyone listening, and how fast do pages answer?

Broadcasts a ping to every Planning page of the company, waits for their pongs (up to
``?wait=`` seconds, default 1, or until every connected page answered) and reports the round
trips measured by the consumers."""

from __future__ import annotations

from statistics import median

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..live import presence
from ..live.publisher import send

MAX_WAIT_SECONDS = 10.0


def wait_seconds(request: Request) -> float:
    try:
        wait = float(request.query_params.get("wait", 1.0))
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.0), MAX_WAIT_SECONDS)


class WebSocketPingResultSerializer(serializers.Serializer):
    ping_id = serializers.CharField()
    sent_at = serializers.FloatField()
    listeners = serializers.IntegerField(help_text="Pages that answered the ping in time")
    connected = serializers.IntegerField(help_text="Pages connected to the live channel")
    round_trips_ms = serializers.ListField(child=serializers.FloatField())
    median_ms = serializers.FloatField(allow_null=True)


PING_SCHEMA = extend_schema(
    request=None,
    responses=WebSocketPingResultSerializer,
    parameters=[OpenApiParameter("wait", float, description="Seconds to wait for pongs (≤ 10)")],
)


class WebSocketPingView(APIView):
    @PING_SCHEMA
    def get(self, request: Request) -> Response:
        return self.post(request)

    @PING_SCHEMA
    def post(self, request: Request) -> Response:
        ping_id, sent_at = presence.new_ping()
        send({"type": "live.ping", "ping_id": ping_id, "sent_at": sent_at})
        result = presence.collect_pongs(ping_id, sent_at, wait_seconds(request),
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
