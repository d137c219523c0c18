"""The staleness and progress rules, run on the table of cases the page's rules.js also runs
(tests/planning/test_browser.py), so the server and the page agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apps.simpleprint.state import rules

CASES = json.loads((Path(__file__).parents[2] / "fixtures" / "rules_cases.json").read_text())


@pytest.mark.parametrize("case", CASES["freshness"], ids=lambda c: c["case"])
def test_freshness(case: dict[str, Any]) -> None:
    assert rules.freshness(*case["args"]) == case["expected"]


@pytest.mark.parametrize("case", CASES["progress"], ids=lambda c: c["case"])
def test_shown_progress(case: dict[str, Any]) -> None:
    assert list(rules.shown_progress(*case["args"])) == case["expected"]
