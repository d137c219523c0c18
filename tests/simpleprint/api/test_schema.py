"""The OpenAPI schema validates without warnings, and it and its docs are served publicly."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client


def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("/api/v1/simpleprint/webhook/test/", "/api/v1/simpleprint/webhook/events/",
                 "/api/v1/simpleprint/webhook/events/{id}/reprocess/",
                 "/api/v1/simpleprint/printers/{sp_id}/", "/api/v1/simpleprint/jobs/",
                 "/api/v1/simpleprint/queue/", "/api/v1/simpleprint/actions/",
                 "/api/v1/simpleprint/printers/{sp_id}/actions/clear-bed/",
                 "/api/v1/simpleprint/printers/{sp_id}/actions/start-next/",
                 "/api/v1/simpleprint/printers/actions/clear-bed/",
                 "/api/v1/simpleprint/queue/{sp_id}/actions/move/",
                 "/api/v1/simpleprint/queue/actions/approve/"):
        assert f"{path}:" in schema


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_login(client: Client) -> None:
    schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert schema.status_code == 200
    assert "tokenAuth" in schema.json()["components"]["securitySchemes"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content
