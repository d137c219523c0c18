"""Every delivery sent twice and a fifth of them out of order, over real HTTP to a real server:
the farm ends in the state of the in-order run (printers, jobs and queue, field by field).
The long version is ``python -m bench.chaos reorder``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.chaos.harness import run_stream, shuffled_with_duplicates
from tests.payloads import farm_stream

pytestmark = pytest.mark.slow


def final_state(var_dir: Path, stream: list[dict[str, Any]]) -> dict[str, Any]:
    run = run_stream(var_dir, stream)
    assert run.audit.lost == [] and run.audit.double_applied == {}, run.audit.as_dict()
    return run.farm_state


def test_duplicated_and_reordered_deliveries_end_in_the_in_order_state(tmp_path: Path) -> None:
    stream = farm_stream(150, seed=11)
    scrambled = shuffled_with_duplicates(stream, reorder=0.2)
    assert scrambled != [d for d in stream for _ in (1, 2)]

    expected = final_state(tmp_path / "in-order", stream)
    actual = final_state(tmp_path / "scrambled", scrambled)

    assert expected["jobs"], "the stream made no jobs"
    for kind in ("printers", "jobs", "queue"):
        assert actual[kind] == expected[kind], kind
