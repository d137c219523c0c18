"""WebSocket authentication by DRF token, for scripts: ``?token=<key>`` or an
``Authorization: Token <key>`` header. Browsers use their session (``AuthMiddlewareStack``).
:func:`still_authorised` checks again, for an open socket, that its session or token still
stands; :class:`SameOriginValidator` accepts a socket only from this server's own origin."""

from __future__ import annotations

from importlib import import_module
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from rest_framework.authtoken.models import Token

#: The scope key holding the token a socket was authenticated with.
TOKEN_KEY = "printfarm_token"


def token_from_scope(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode())
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            keyword, _, key = value.decode().partition(" ")
            if keyword.lower() == "token" and key.strip():
                return key.strip()
    return None


@database_sync_to_async
def user_for_token(key: str) -> Any:
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from a token when the session did not authenticate anyone.
    Place it inside ``AuthMiddlewareStack``."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            key = token_from_scope(scope)
            if key:
                scope = dict(scope, user=await user_for_token(key), **{TOKEN_KEY: key})
        return await super().__call__(scope, receive, send)


async def still_authorised(scope: dict[str, Any]) -> bool:
    """Whether the user of an open socket may still listen: its token still exists and belongs
    to the same active user, or its session still exists (not logged out, not flushed by a
    password change) for the same active user."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    key = scope.get(TOKEN_KEY)
    if key:
        current = await user_for_token(key)
    else:
        session = scope.get("session")
        session_key = getattr(session, "session_key", None)
        if not session_key:
            return False
        fresh = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
        current = await get_user({"session": fresh})
    return bool(current.is_authenticated and current.is_active and current.pk == user.pk)


def client_address(request: Any) -> str | None:
    """The client's address as the ASGI application resolved it (``REMOTE_ADDR``: a trusted
    proxy's X-Forwarded-For, else the peer), for django-axes."""
    return request.META.get("REMOTE_ADDR")


def allowed_hosts() -> list[str]:
    """``ALLOWED_HOSTS`` as Django applies it (with DEBUG and none set: the loopback names)."""
    return list(settings.ALLOWED_HOSTS) or (
        [".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if unreadable."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return scheme, parts.hostname.lower(), port


def origin_allowed(scope: dict[str, Any]) -> bool:
    """A browser's WebSocket is this server's own page: its ``Origin`` has the scheme, host
    and port the request came to (``Host`` in ``ALLOWED_HOSTS``; https behind a trusted proxy
    that says so), or is listed in ``CSRF_TRUSTED_ORIGINS``."""
    headers = {name.lower(): value.decode("latin1") for name, value in scope.get("headers", [])}
    origin, host = headers.get(b"origin", ""), headers.get(b"host", "")
    domain, _ = split_domain_port(host)
    if not origin or not domain or not validate_host(domain, allowed_hosts()):
        return False
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    parts = urlsplit(origin)
    presented = origin_of(parts.scheme.lower(), parts.netloc) if parts.scheme else None
    if presented is None:
        return False
    if presented == origin_of(scheme, host):
        return True
    return any(trusted_origin_matches(presented, trusted)
               for trusted in settings.CSRF_TRUSTED_ORIGINS)


def trusted_origin_matches(presented: tuple[str, str, int], trusted: str) -> bool:
    """``presented`` is ``trusted`` (``https://host[:port]``, or ``https://*.domain``)."""
    parts = urlsplit(trusted)
    wildcard = parts.netloc.startswith("*.")
    expected = origin_of(parts.scheme.lower(), parts.netloc[1:] if wildcard else parts.netloc)
    if expected is None:
        return False
    if wildcard:
        return (presented[0], presented[2]) == (expected[0], expected[2]) and \
            presented[1].endswith(expected[1])
    return presented == expected


class SameOriginValidator:
    """ASGI middleware for WebSockets: a socket whose Origin is not this server's (scheme,
    host and port) is refused before the consumer runs (channels' own validator compared the
    host name only)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
