"""The bad-input corpus (``tests/chaos/corpus``): each file is a delivery body. Files named
``ok_*`` are odd but storable and are accepted; every other one is refused with a 4xx and a
clear message, and nothing of it is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from apps.simpleprint.models import PrinterWebhookEvent
from tests.conftest import WEBHOOK_URL

pytestmark = pytest.mark.django_db(transaction=True)

CORPUS = sorted((Path(__file__).parent / "corpus").iterdir())


def post(body: bytes, secret: str) -> tuple[int, dict]:
    response = Client(raise_request_exception=False).post(
        WEBHOOK_URL, data=body, content_type="application/json", headers={"X-SP-Secret": secret})
    return response.status_code, response.json()


@pytest.mark.parametrize("path", [p for p in CORPUS if not p.name.startswith("ok_")],
                         ids=lambda p: p.stem)
def test_bad_input_is_refused_with_a_reason_and_not_stored(path: Path,
                                                           webhook_secret: str) -> None:
    status, answer = post(path.read_bytes(), webhook_secret)
    assert status == 400, (status, answer)
    assert answer["code"] == "bad_envelope" and answer["detail"]
    assert not PrinterWebhookEvent.objects.exists()


@pytest.mark.parametrize("path", [p for p in CORPUS if p.name.startswith("ok_")],
                         ids=lambda p: p.stem)
def test_odd_but_storable_input_is_accepted_and_handled(path: Path, webhook_secret: str) -> None:
    status, answer = post(path.read_bytes(), webhook_secret)
    assert status == 200, answer
    event = PrinterWebhookEvent.objects.get(pk=answer["id"])
    assert event.status in ("processed", "ignored", "failed")
