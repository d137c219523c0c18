from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.simpleprint.ops import views as ops_views

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
    # --- Planning V2 page, login, language switch
    path("", RedirectView.as_view(pattern_name="planning:page"), name="home"),
    path("planning-v2/", include("apps.planning.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.PRINTFARM_SERVE_STATIC:
    urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}))

handler404 = "apps.simpleprint.api.errors.not_found"
handler500 = "apps.simpleprint.api.errors.server_error"
