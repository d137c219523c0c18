"""The receiver's ASGI fast path: the same answers as the view, without the middleware stack;
what Django must judge (hosts, HTTPS redirect, other methods) still goes to Django."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.test import override_settings

from apps.simpleprint.inbound.asgi import WebhookFastPath, meta_from_scope
from apps.simpleprint.models import PrinterWebhookEvent
from tests.conftest import WEBHOOK_URL
from tests.payloads import FarmStory

pytestmark = pytest.mark.django_db(transaction=True)


async def post(body: bytes, headers: dict[str, str], host: str = "testserver",
               method: str = "POST") -> httpx.Response:
    transport = httpx.ASGITransport(app=WebhookFastPath(get_asgi_application()))
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
        return await client.request(method, WEBHOOK_URL, content=body,
                                    headers={"content-type": "application/json", **headers})


def delivery() -> bytes:
    return json.dumps(FarmStory().job_started(385)).encode()


async def stored() -> int:
    return await PrinterWebhookEvent.objects.acount()


async def test_a_delivery_is_stored_and_answered(webhook_secret: str) -> None:
    response = await post(delivery(), {"X-SP-Secret": webhook_secret})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["status"] == "accepted" and not answer["duplicate"]
    event = await PrinterWebhookEvent.objects.aget(pk=answer["id"])
    assert event.headers["Secret-Header"] == "X_SP_SECRET"


async def test_a_wrong_secret_is_refused_and_nothing_stored() -> None:
    response = await post(delivery(), {"X-SP-Secret": "wrong"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_secret"
    assert await stored() == 0


async def test_a_body_over_the_limit_is_refused(webhook_secret: str) -> None:
    with override_settings(SIMPLEPRINT_CONFIG={**settings.SIMPLEPRINT_CONFIG,
                                               "max_body_bytes": 100}):
        response = await post(delivery(), {"X-SP-Secret": webhook_secret})
    assert response.status_code == 413
    assert await stored() == 0


@override_settings(ALLOWED_HOSTS=["printfarm.example"])
async def test_a_host_django_does_not_serve_goes_to_django(webhook_secret: str) -> None:
    response = await post(delivery(), {"X-SP-Secret": webhook_secret}, host="evil.example")
    assert response.status_code == 400
    assert await stored() == 0


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=None)
async def test_plain_http_goes_to_django_for_the_https_redirect(webhook_secret: str) -> None:
    response = await post(delivery(), {"X-SP-Secret": webhook_secret})
    assert response.status_code == 301
    assert await stored() == 0


async def test_other_methods_get_the_views_405() -> None:
    response = await post(b"", {}, method="PUT")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_meta_is_built_like_djangos() -> None:
    meta = meta_from_scope({"client": ("10.0.0.1", 5), "headers": [
        (b"content-length", b"12"), (b"x-sp-secret", b"s"), (b"x-forwarded-for", b"a"),
        (b"X-Forwarded-For", b"b")]})
    assert meta == {"REMOTE_ADDR": "10.0.0.1", "CONTENT_LENGTH": "12", "HTTP_X_SP_SECRET": "s",
                    "HTTP_X_FORWARDED_FOR": "a,b"}
