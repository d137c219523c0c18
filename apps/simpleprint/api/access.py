"""Who may call what, and how often: DRF permission classes built on the Django permissions of
``apps/simpleprint/permissions.py``, and the throttles (``PRINTFARM_THROTTLES``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from ..permissions import GRANTS, INJECT_SAMPLES, TEST_WEBHOOKS

if TYPE_CHECKING:  # DRF imports the throttles while rest_framework.views is being imported
    from rest_framework.views import APIView


def denial(needed: Iterable[str]) -> str:
    """The 403 sentence: which permission is missing, and which groups have it."""
    parts = []
    for permission in needed:
        groups = " or ".join(GRANTS.get(permission, ())) or "none"
        parts.append(f"{permission} (group {groups})")
    return ("You do not have permission to perform this action: it needs "
            + ", ".join(parts) + ". Ask an administrator.")


def signed_in(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active)


def requires(*needed: str) -> type[permissions.BasePermission]:
    """A permission class: a signed-in user holding every one of ``needed``."""

    class Requires(permissions.BasePermission):
        message = denial(needed)

        def has_permission(self, request: Request, view: APIView) -> bool:
            return signed_in(request) and bool(request.user.has_perms(needed))

    Requires.__name__ = Requires.__qualname__ = "Requires_" + "_".join(
        name.split(".", 1)[1] for name in needed)
    return Requires


class ReadOrTestDelivery(permissions.BasePermission):
    """``webhook/test/``: reading for any signed-in user; a POST needs ``inject_samples`` to
    inject a sample and ``test_webhooks`` to ask SimplyPrint for a test delivery (either one
    when the body names neither, so that the 400 explains the body)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not signed_in(request):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        data = request.data if isinstance(request.data, dict) else {}
        needed = [permission for key, permission in (("inject_event", INJECT_SAMPLES),
                                                     ("webhook_id", TEST_WEBHOOKS)) if key in data]
        user: Any = request.user
        if not needed:
            return bool(user.has_perm(INJECT_SAMPLES) or user.has_perm(TEST_WEBHOOKS))
        self.message = denial(needed)
        return bool(user.has_perms(needed))


class SettingsRateMixin:
    """Rates read from ``settings.PRINTFARM_THROTTLES`` when a request is checked (DRF binds
    its rates when the module is imported)."""

    scope: str | None

    def get_rate(self) -> str | None:
        return settings.PRINTFARM_THROTTLES.get(self.scope or "")


class UserThrottle(SettingsRateMixin, SimpleRateThrottle):
    """Every API request of a signed-in user (``PRINTFARM_THROTTLE_USER``), or of an address
    without one (``PRINTFARM_THROTTLE_ANON``)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if signed_in(request):
            return self.cache_format % {"scope": "user", "ident": request.user.pk}
        return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = "user" if signed_in(request) else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ScopedThrottle(SettingsRateMixin, ScopedRateThrottle):
    """Per user, for the views naming a ``throttle_scope``: ``actions`` (operator actions),
    ``simplyprint`` (calls that spend
    the shared SimplyPrint budget) and ``ping`` (each may wait up to 10 s)."""
