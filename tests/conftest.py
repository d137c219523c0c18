"""Shared fixtures: realistic SimplyPrint deliveries and a client that posts them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests import payloads
from tests.simplyprint_sim import SimulatedSimplyPrint, running_simulator

WEBHOOK_URL = "/api/v1/simpleprint/webhook/printers/"


@pytest.fixture
def webhook_secret() -> str:
    return settings.SIMPLEPRINT_CONFIG["webhook_secret"]


@pytest.fixture
def post_delivery(client: Client, webhook_secret: str) -> Callable[..., Any]:
    """POST an envelope (dict or raw bytes) to the receiver with the right secret by default."""

    def post(body: dict[str, Any] | bytes, *, header: str = "X-SP-Secret",
             secret: str | None = None) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {header: webhook_secret if secret is None else secret} if header else {}
        return client.post(WEBHOOK_URL, data=raw, content_type="application/json",
                           headers=headers)

    return post


@pytest.fixture
def farm() -> payloads.FarmStory:
    return payloads.FarmStory()


# --- a running SimplyPrint (the bundled simulator) ---------------------------------------------

@pytest.fixture
def simplyprint() -> Iterator[SimulatedSimplyPrint]:
    """A fresh simulator (manual clock, no random activity, five printers) over real HTTP."""
    with running_simulator() as running:
        yield running


@pytest.fixture
def sp_simulator(simplyprint: SimulatedSimplyPrint) -> str:
    """The base URL of a running simulator, for ``SIMPLEPRINT_CONFIG['base_url']``."""
    return simplyprint.url


@pytest.fixture
def sp_settings(settings: Any, simplyprint: SimulatedSimplyPrint) -> Any:
    """Settings whose SimplyPrint account is the running simulator."""
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": simplyprint.url,
                                   "company_id": simplyprint.company_id,
                                   "api_key": simplyprint.api_key}
    return settings
