"""The REST API under ``/api/v1/simpleprint/`` (the receiver itself is in ``..urls``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .actions import ActionLogViewSet
from .actions import urlpatterns as action_urls
from .views import (
    EventViewSet,
    JobViewSet,
    PrinterViewSet,
    QueueViewSet,
    WebhookEnabledView,
    WebhookTestView,
)

router = SimpleRouter()
router.register("webhook/events", EventViewSet, basename="event")
router.register("printers", PrinterViewSet, basename="printer")
router.register("jobs", JobViewSet, basename="job")
router.register("queue", QueueViewSet, basename="queue")
router.register("actions", ActionLogViewSet, basename="action")

urlpatterns = [
    path("webhook/test/", WebhookTestView.as_view(), name="webhook-test"),
    path("webhook/hooks/<int:webhook_id>/enabled/", WebhookEnabledView.as_view(),
         name="webhook-enabled"),
    *action_urls(),
    *router.urls,
]
