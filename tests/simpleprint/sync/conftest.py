"""The sync's settings for its tests (the simulator fixtures are in ``tests/simpleprint``)."""

from __future__ import annotations

from typing import Any

import pytest

SYNC = {"enabled": False, "tick_interval": 5.0, "poll_interval": 30.0,
        "reconcile_interval": 600.0, "queue_reconcile_interval": 600.0, "progress_interval": 0.0,
        "connectivity_interval": 0.0, "silence_threshold": 900.0, "probe_grace": 120.0,
        "stale_after": 120.0, "backoff_max_interval": 600.0, "names_interval": 3600.0,
        "webhook_recheck_interval": 600.0, "queue_after_jobs": 0.0}


@pytest.fixture(autouse=True)
def sync_settings(settings: Any) -> dict[str, Any]:
    settings.PRINTFARM_SYNC = dict(SYNC)
    return settings.PRINTFARM_SYNC
