"""The Planning V2 page and the JSON it reads besides the live channel."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import DjangoTranslation
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.simpleprint.events.registry import SAMPLE_EVENTS, label_of
from apps.simpleprint.live import outbox
from apps.simpleprint.permissions import allowed_actions
from apps.simpleprint.sync import modes

from . import selectors

#: The page's modules, preloaded by the shell: the browser fetches them all at once instead of
#: discovering each import only after the module that imports it has arrived.
MODULES = [f"planning/{name}.js" for name in (
    "app", "util", "store", "names", "live", "labels", "rules", "filters", "prefs", "board",
    "timeline", "tables", "drawer", "actions", "wall", "alerts", "debug")]


@functools.cache
def js_catalog(language: str) -> dict[str, Any]:
    """The page's translations (the ``djangojs`` domain) in ``language``, as Django's
    JavaScript catalog has them. They go into the page itself (JSON, which the
    Content-Security-Policy allows), not as a script loaded before the page's modules may
    run; the compiled catalogs do not change while the server runs."""
    packages = ["apps.planning"]
    view = JavaScriptCatalog(packages=packages)
    view.translation = DjangoTranslation(language, domain=view.domain,
                                         localedirs=view.get_paths(packages))
    return dict(view.get_catalog())


@login_required
@ensure_csrf_cookie
def planning_page(request: HttpRequest) -> HttpResponse:
    """The page shell only: its state arrives as a snapshot over the WebSocket.
    ``?display=wall`` is the wall display (no controls, large type, groups in turn)."""
    turnaround = settings.PRINTFARM_PLANNING["turnaround_seconds"]
    wall = request.GET.get("display") == "wall"
    return render(request, "planning/page.html", {
        "sample_events": [(name, label_of(name)) for name in SAMPLE_EVENTS],
        "turnaround_minutes": round(turnaround / 60),
        "modules": MODULES,
        "wall": wall,
        "catalog": js_catalog(get_language()),
        "page_config": {
            "display": "wall" if wall else "",
            "wsPath": "/ws/planning/",
            "api": "/api/v1/simpleprint/",
            "schedule": reverse("planning:schedule"),
            "snapshot": reverse("planning:snapshot"),
            # The drawer's detail: this path with the printer's id at the end.
            "printerDetail": reverse("planning:printer-detail", args=[0]).removesuffix("0/"),
            "mode": reverse("planning:mode"),
            "health": reverse("planning:health"),
            "staleAfter": modes.stale_limit(),
            "heartbeat": settings.PRINTFARM_LIVE["heartbeat_seconds"],
            "user": request.user.get_username(),
            # The actions this user may take: the page hides the others.
            "can": allowed_actions(request.user),
            "language": get_language(),
        },
    })


@extend_schema(exclude=True)  # the page's own endpoints, not the public API
class ScheduleView(APIView):
    """``GET /planning-v2/api/schedule/``: the projection of every printer and queue item."""

    def get(self, request: Request) -> Response:
        return Response(selectors.current_projection().as_dict())


@extend_schema(exclude=True)  # the page's own endpoints, not the public API
class SnapshotView(APIView):
    """``GET /planning-v2/api/snapshot/``: the live channel's snapshot, for when the socket is
    down (the page refreshes from it every 10 s, then resumes the socket from its ``seq``)."""

    def get(self, request: Request) -> Response:
        return Response(outbox.snapshot())


@extend_schema(exclude=True)  # the page's own endpoints, not the public API
class PrinterDetailView(APIView):
    """``GET /planning-v2/api/printers/<sp_id>/``: what the printer drawer shows beyond the
    live state (its latest jobs, failure rate, the queue items it may take next)."""

    def get(self, request: Request, sp_id: int) -> Response:
        detail = selectors.printer_detail(sp_id)
        if detail is None:
            raise NotFound(_("No printer %(id)s.") % {"id": sp_id})
        return Response(detail)


@extend_schema(exclude=True)  # the page's own endpoints, not the public API
class ModeView(APIView):
    """``GET /planning-v2/api/mode/``: webhooks or polling, API calls and rate-limit headroom."""

    def get(self, request: Request) -> Response:
        status: dict[str, Any] = selectors.mode_status()
        return Response(status)


@extend_schema(exclude=True)  # the page's own endpoints, not the public API
class HealthView(APIView):
    """``GET /planning-v2/api/health/``: the warnings about how changes reach the page (our
    webhook missing, elsewhere, disabled or silent; polling in charge). ``?fresh=1`` asks
    SimplyPrint again instead of the view shared for a few seconds."""

    def get(self, request: Request) -> Response:
        return Response(selectors.health(fresh=request.query_params.get("fresh") == "1"))
