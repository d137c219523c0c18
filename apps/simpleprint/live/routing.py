"""WebSocket routes."""

from django.urls import path

from .consumer import PlanningConsumer

websocket_urlpatterns = [
    path("ws/planning/", PlanningConsumer.as_asgi()),
]
