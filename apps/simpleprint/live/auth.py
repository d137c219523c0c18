"""WebSocket authentication by DRF token, for scripts: ``?token=<key>`` or an
``Authorization: Token <key>`` header. Browsers use their session (``AuthMiddlewareStack``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


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
                scope = dict(scope, user=await user_for_token(key))
        return await super().__call__(scope, receive, send)
