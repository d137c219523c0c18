from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.simpleprint import ops_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/simpleprint/", include("apps.simpleprint.urls")),
    # The OpenAPI schema and its interactive docs are public: they describe, never return, data.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Operations (docs/operations.md): probes and Prometheus.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
]

handler404 = "apps.simpleprint.api.errors.not_found"
handler500 = "apps.simpleprint.api.errors.server_error"
