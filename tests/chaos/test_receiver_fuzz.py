"""Fuzzing the webhook receiver: whatever the body, the answer is a 2xx or a 4xx with a clear
message, never a 5xx; and valid deliveries interleaved with the garbage are all stored and
applied. Runs in-process (Django's test client, the inline worker) on SQLite and, in the
production pass, on PostgreSQL, whose jsonb and bigint columns refuse more than SQLite does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.simpleprint.models import PrinterWebhookEvent
from tests.conftest import WEBHOOK_URL
from tests.payloads import FarmStory, farm_stream

pytestmark = pytest.mark.django_db(transaction=True)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
REAL = farm_stream(40, seed=3)

scalars = (st.none() | st.booleans() | st.integers(-(2**80), 2**80)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=20)


class Receiver:
    """Posts to the receiver and checks each answer; a valid delivery after every fuzz case."""

    def __init__(self, secret: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.secret = secret
        self.story = FarmStory(now=1_900_000_000)
        self.valid_ids: list[int] = []

    def post(self, body: bytes) -> Any:
        response = self.client.post(WEBHOOK_URL, data=body, content_type="application/json",
                                    headers={"X-SP-Secret": self.secret})
        assert response.status_code < 500, (response.status_code, body[:300], response.content)
        if response.status_code >= 400:
            answer = response.json()
            assert answer["status"] == "rejected" and answer["detail"], answer
        self.post_valid()
        return response

    def post_valid(self) -> None:
        self.story.tick(1)
        response = self.client.post(WEBHOOK_URL, data=json.dumps(self.story.job_started(385)),
                                    content_type="application/json",
                                    headers={"X-SP-Secret": self.secret})
        assert response.status_code == 200, response.content
        self.valid_ids.append(response.json()["id"])

    def check_valid_deliveries(self) -> None:
        processed = PrinterWebhookEvent.objects.filter(pk__in=self.valid_ids, processed=True)
        assert processed.count() == len(set(self.valid_ids))


@pytest.fixture
def receiver(webhook_secret: str) -> Receiver:
    return Receiver(webhook_secret)


@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes(receiver: Receiver, body: bytes) -> None:
    receiver.post(body)
    receiver.check_valid_deliveries()


@FUZZ
@given(value=json_values)
def test_random_json(receiver: Receiver, value: Any) -> None:
    receiver.post(json.dumps(value, allow_nan=True).encode())
    receiver.check_valid_deliveries()


@FUZZ
@given(original=st.sampled_from(REAL), key_path=st.lists(st.text(max_size=8), max_size=3),
       replacement=json_values, data=st.data())
def test_mutated_real_envelopes(receiver: Receiver, original: dict[str, Any],
                                key_path: list[str], replacement: Any, data: Any) -> None:
    mutated = json.loads(json.dumps(original))
    node = mutated
    for key in key_path[:-1] or []:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node
    if isinstance(node, dict):
        top = data.draw(st.sampled_from([*node.keys(), *(key_path[-1:] or ["event"])]))
        node[top] = replacement
    receiver.post(json.dumps(mutated, allow_nan=True).encode())
    receiver.check_valid_deliveries()


@FUZZ
@given(field=st.sampled_from(["event", "timestamp", "data", "webhook_id"]),
       value=json_values)
def test_wrong_types_in_the_envelope(receiver: Receiver, field: str, value: Any) -> None:
    envelope = {**REAL[0], field: value}
    receiver.post(json.dumps(envelope, allow_nan=True).encode())
    receiver.check_valid_deliveries()


@FUZZ
@given(text=st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
       where=st.sampled_from(["event", "data.job.file", "data.printer.name", "key"]))
def test_unicode_anywhere(receiver: Receiver, text: str, where: str) -> None:
    envelope = json.loads(json.dumps(REAL[1]))
    if where == "event":
        envelope["event"] = text
    elif where == "key":
        envelope["data"][text] = text
    else:
        _, outer, inner = where.split(".")
        envelope["data"].setdefault(outer, {})[inner] = text
    receiver.post(json.dumps(envelope, ensure_ascii=bool(len(text) % 2)).encode(
        "utf-8", errors="surrogatepass"))
    receiver.check_valid_deliveries()


@pytest.mark.parametrize("depth", [10, 200, 1000, 5000, 100_000])
@pytest.mark.parametrize("shape", ["list", "object"])
def test_deep_nesting(receiver: Receiver, depth: int, shape: str) -> None:
    opening, closing = ("[", "]") if shape == "list" else ('{"a":', "}")
    nested = opening * depth + "1" + closing * depth
    receiver.post(('{"event": "job.started", "timestamp": 1718006400, "data": {"x": '
                   + nested + '}}').encode())
    receiver.check_valid_deliveries()
