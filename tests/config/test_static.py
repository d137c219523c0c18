"""/static/ on the embedded run, answered ahead of Django (config/static.py), through the real
ASGI application."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from django.test import override_settings

from config.asgi import application
from config.static import StaticFiles

ROOT = Path(__file__).resolve().parents[2]
APP_JS = ROOT / "apps/planning/static/planning/app.js"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


async def test_a_static_file_comes_with_its_type_and_an_etag(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/planning/app.js")
    assert response.status_code == 200
    assert response.content == APP_JS.read_bytes()
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"].startswith('"')


async def test_the_same_file_again_is_a_304(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/static/planning/planning.css")).headers["etag"]
    again = await client.get("/static/planning/planning.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    head = await client.head("/static/planning/planning.css")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 1000


@pytest.mark.parametrize("path", ["/static/planning/nothing.js", "/static/%2e%2e/manage.py",
                                  "/static/../config/settings/base.py", "/static/"])
async def test_what_is_not_a_static_file_goes_to_django(client: httpx.AsyncClient,
                                                        path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404)  # Django: 400 for a path out of the static roots
    assert "SECRET" not in response.text


async def test_a_file_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "probe.txt").write_text("first")
    served = StaticFiles(application, "/static/")
    with override_settings(STATICFILES_DIRS=[str(tmp_path)]):
        first = served.lookup("probe.txt")
        (tmp_path / "probe.txt").write_text("second, longer")
        os.utime(tmp_path / "probe.txt", (time.time() + 5, time.time() + 5))
        second = served.lookup("probe.txt")
    assert first is not None and second is not None
    assert (first.body, second.body) == (b"first", b"second, longer")
    assert first.etag != second.etag
