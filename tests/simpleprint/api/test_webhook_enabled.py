"""``webhook/hooks/<id>/enabled/``: switching a SimplyPrint webhook on or off (staff only)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
URL = "/api/v1/simpleprint/webhook/hooks/11/enabled/"


def test_a_non_staff_user_may_not_switch_webhooks(api: APIClient) -> None:
    response = api.post(URL, {"enabled": False}, format="json")
    assert response.status_code == 403


def test_anonymous_may_not_switch_webhooks() -> None:
    assert APIClient().post(URL, {"enabled": False}, format="json").status_code == 401


def test_enabled_is_required(admin_api: APIClient) -> None:
    response = admin_api.post(URL, {}, format="json")
    assert response.status_code == 400
    assert "enabled" in response.json()["errors"]
