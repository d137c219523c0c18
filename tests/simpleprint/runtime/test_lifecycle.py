"""The background work starts with the server process, not with its first request: the server
(daphne has no ASGI lifespan; ``manage.py serve`` turns uvicorn's off) is started and no
request is ever made, yet the sync polls SimplyPrint (a simulator whose webhook API is
unavailable, so the service must poll)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import SimConfig
from simulator.testing import SimulatorClient, run_in_thread, wait_for
from tests.servers import AsgiServer, prepare_database, server_env

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["uvicorn", "daphne"])
def test_the_server_polls_simplyprint_before_any_request(tmp_path: Path, name: str) -> None:
    config = SimConfig(clock="manual", natural=False, printers=3, api_key="lifecycle-key",
                       company_id=7, rate_limit=0, webhooks=False, log_level="warning")
    with run_in_thread(config) as sim_url, \
            SimulatorClient(sim_url, api_key="lifecycle-key", company_id=7) as sim:
        env = server_env(tmp_path, SIMPLEPRINT_BASE_URL=sim_url,
                         SIMPLEPRINT_API_KEY="lifecycle-key", SIMPLEPRINT_COMPANY_ID="7",
                         PRINTFARM_SYNC_TICK="0.5")
        prepare_database(env)
        server = AsgiServer(env, server=name).start()  # a TCP probe, no HTTP request
        try:
            wait_for(lambda: sim.requests_to("printers/Get"), timeout=30, interval=0.2)
        finally:
            server.stop()
        assert sim.requests_to("webhooks/Get") == {"404": 1}
