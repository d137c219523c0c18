"""Errors under ``/api/`` are JSON ``{"detail": ...}``; the rest of the site keeps HTML."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from apps.simpleprint.api.errors import server_error

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_json_404(api: APIClient) -> None:
    response = api.get("/api/v1/simpleprint/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No API endpoint at /api/v1/simpleprint/nothing-here/."}


def test_unknown_page_elsewhere_stays_html(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_server_error_under_api_is_json() -> None:
    response = server_error(RequestFactory().get("/api/v1/simpleprint/jobs/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b'"detail"' in response.content


def test_method_not_allowed_is_json(api: APIClient) -> None:
    response = api.delete("/api/v1/simpleprint/printers/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
