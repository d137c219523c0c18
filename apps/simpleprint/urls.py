"""URLs under ``/api/v1/simpleprint/`` (the paths existing webhook registrations point at)."""

from django.urls import include, path

from .api.ping import WebSocketPingView
from .inbound.receiver import SimplePrintPrinterWebhookView

app_name = "simpleprint"

urlpatterns = [
    path("webhook/printers/", SimplePrintPrinterWebhookView.as_view(), name="webhook-printers"),
    path("websocket/ping/", WebSocketPingView.as_view(), name="websocket-ping"),
    path("", include("apps.simpleprint.api.urls")),
]
