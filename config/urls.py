from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.simpleprint.ops import views as ops_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/simpleprint/", include("apps.simpleprint.urls")),
    # The OpenAPI schema and its interactive docs are public: they describe, never return, data.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Its script is a separate request (CSP: no inline script); Swagger UI's own inline styles
    # are allowed on this page only (it shows the schema, no data).
    path("api/docs/", csp_update({"style-src": [UNSAFE_INLINE]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    # Operations (docs/operations.md): probes and Prometheus.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics_view, name="metrics"),
    # --- Planning V2 page, login, language switch
    path("", RedirectView.as_view(pattern_name="planning:page"), name="home"),
    path("planning-v2/", include("apps.planning.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.PRINTFARM_PASSWORD_RESET:
    # Offered only when mail can be sent (EMAIL_URL): otherwise the form would accept an
    # address and send nothing.
    urlpatterns += [
        path("accounts/password_reset/", auth_views.PasswordResetView.as_view(),
             name="password_reset"),
        path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(),
             name="password_reset_done"),
        path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
             name="password_reset_confirm"),
        path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
             name="password_reset_complete"),
    ]
if settings.PRINTFARM_SERVE_STATIC:
    urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}))

handler404 = "apps.simpleprint.api.errors.not_found"
handler500 = "apps.simpleprint.api.errors.server_error"
