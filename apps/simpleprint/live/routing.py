"""WebSocket routes."""

from django.urls import path

from .consumers import PlanningConsumer

websocket_urlpatterns = [
    path("ws/planning/", PlanningConsumer.as_asgi()),
]
