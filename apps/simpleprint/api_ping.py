"""``/api/v1/simpleprint/websocket/ping/``: is anyone listening, and how fast do pages answer?

Broadcasts a ping to every Planning page of the company, waits for their pongs (up to
``?wait=`` seconds, default 1, or until every connected page answered) and reports the round
trips measured by the consumers."""

from __future__ import annotations

from statistics import median

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import presence, selectors
from .broadcast import send

MAX_WAIT_SECONDS = 10.0


def wait_seconds(request: Request) -> float:
    try:
        wait = float(request.query_params.get("wait", 1.0))
    except ValueError:
        wait = 1.0
    return min(max(wait, 0.0), MAX_WAIT_SECONDS)


class WebSocketPingView(APIView):
    def get(self, request: Request) -> Response:
        return self.post(request)

    def post(self, request: Request) -> Response:
        ping_id, sent_at = presence.new_ping()
        send({"type": "live.ping", "ping_id": ping_id, "sent_at": sent_at})
        result = presence.collect_pongs(ping_id, sent_at, wait_seconds(request),
                                        expected=selectors.live_client_count())
        trips = result.round_trips_ms
        return Response({
            "ping_id": result.ping_id,
            "sent_at": result.sent_at,
            "listeners": len(trips),
            "connected": selectors.live_client_count(),
            "round_trips_ms": trips,
            "median_ms": median(trips) if trips else None,
        })
