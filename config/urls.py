from django.contrib import admin
from django.urls import include, path

from apps.simpleprint import ops_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/simpleprint/", include("apps.simpleprint.urls")),
    # Operations (docs/operations.md): probes and Prometheus.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
]
