"""Operations endpoints: ``/healthz`` (liveness), ``/readyz`` (readiness), ``/metrics``."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import health, metrics


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: no database, no Redis (a restart would not fix those)."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to take traffic: 200, or 503 naming each failed dependency. Anyone may ask (probes
    come without credentials), so only the names are public: the details (exception texts
    with database hosts and ports) go to staff and to the metrics bearer token."""
    checks = health.readiness_checks()
    failed = [check.name for check in checks if not check.ok]
    detailed = _bearer_token_matches(request) or _is_staff(request)
    body = {
        "status": "unavailable" if failed else "ok",
        "failed": failed,
        "checks": {check.name: {"ok": check.ok, **({"detail": check.detail} if detailed else {})}
                   for check in checks},
    }
    return JsonResponse(body, status=503 if failed else 200)


def _is_staff(request: HttpRequest) -> bool:
    """Whether the session's user is staff; False when the session cannot be read (the
    database may be what /readyz is reporting as down)."""
    try:
        return bool(request.user.is_staff)
    except DatabaseError:
        return False


def _bearer_token_matches(request: HttpRequest) -> bool:
    expected = settings.PRINTFARM_METRICS_TOKEN
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), expected.encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for staff users or ``Authorization: Bearer <token>``."""
    if not (_bearer_token_matches(request) or request.user.is_staff):
        response = JsonResponse({"detail": "Staff login or a metrics bearer token required "
                                           "(PRINTFARM_METRICS_TOKEN)."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
