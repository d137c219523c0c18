"""``POST webhook/test/ {"webhook_id": N}`` end to end: SimplyPrint (the bundled simulator) is
asked for its test delivery and the delivery reaches the receiver.

Uses the ``sp_simulator`` fixture (tests/conftest.py: the base URL of a running simulator) and
``webhook_manager.ensure_webhook()`` (registers ``receiver_url()`` there).
"""

from __future__ import annotations

import importlib
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

pytest.importorskip("simulator")

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/simpleprint/webhook/test/"


def test_simplyprint_test_delivery_arrives(staff_api: APIClient, live_server: Any,
                                           sp_simulator: str, settings: Any) -> None:
    webhook_manager = importlib.import_module("apps.simpleprint.webhook_manager")
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": sp_simulator,
                                   "public_url": live_server.url}
    webhook_manager.ensure_webhook()
    overview = staff_api.get(URL).json()
    assert overview["receiver_registered"] is True, overview
    webhook_id = next(w["id"] for w in overview["webhooks"]
                      if w["url"] == overview["receiver_url"])

    response = staff_api.post(URL, {"webhook_id": webhook_id}, format="json")
    assert response.status_code == 200, response.json()

    deadline = time.monotonic() + 10
    arrived: list[Any] = []
    # Stored first, processed right after its commit: wait for both.
    while not (arrived and arrived[0]["status"] == "processed") \
            and time.monotonic() < deadline:
        arrived = staff_api.get("/api/v1/simpleprint/webhook/events/",
                                {"event": "test", "webhook_id": webhook_id}).json()["results"]
        time.sleep(0.1)
    assert arrived and arrived[0]["status"] == "processed"
