"""Configuration from CLI and env, the real-time clock mode, and the ``python -m simulator`` CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from simulator.config import SimConfig, from_args
from simulator.testing import SimulatorClient, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    config = from_args([], env={})
    assert config == SimConfig()
    assert (config.port, config.printers, config.speed, config.rate_limit) == (8100, 12, 60.0, 600)


def test_cli_overrides_env() -> None:
    env = {"SIMULATOR_PORT": "9000", "SIMULATOR_SEED": "9", "SIMULATOR_DROP": "0.25",
           "SIMULATOR_CLOCK": "manual", "SIMULATOR_NO_WEBHOOKS": "1"}
    config = from_args(["--port", "9100", "--duplicate", "0.5", "--api-key", "K"], env=env)
    assert (config.port, config.seed, config.drop, config.duplicate) == (9100, 9, 0.25, 0.5)
    assert config.clock == "manual" and config.webhooks is False and config.api_key == "K"
    assert from_args(["--no-webhooks"], env={}).webhooks is False
    assert from_args(["--start-time", "1700000000"], env={}).start_time == 1700000000.0


def test_invalid_config_is_refused() -> None:
    with pytest.raises(ValueError):
        SimConfig(clock="sundial")
    with pytest.raises(ValueError):
        SimConfig(drop=1.5)
    with pytest.raises(SystemExit):
        from_args(["--clock", "sundial"], env={})
    with pytest.raises(SystemExit):
        from_args([], env={"SIMULATOR_PORT": "eighty"})


def test_real_clock_moves_the_farm(make_sim: Callable[..., SimulatorClient]) -> None:
    sim = make_sim(clock="real", speed=3600, tick=0.02, start_time=1_700_000_000)
    wait_for(lambda: sim.state()["now"] > 1_700_000_000 + 600)
    assert sim.control(paused=True)["paused"] is True
    frozen = sim.state()["now"]
    time.sleep(0.1)
    assert sim.state()["now"] == frozen
    assert sim.control(paused=False, speed=60)["speed"] == 60
    assert sim.post("/_sim/advance", json={"seconds": 1}).status_code == 400


def test_cli_serves_the_api() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SIMULATOR_API_KEY": "cli-key", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", str(port), "--clock", "manual",
         "--company-id", "3", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def answer() -> httpx.Response | None:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/3/account/Test",
                                 headers={"X-API-KEY": "cli-key"})
            except httpx.TransportError:
                return None
        response = wait_for(answer, timeout=10, interval=0.05)
        assert response.json()["message"] == "Your API key is valid!"
    finally:
        process.terminate()
        process.wait(timeout=10)
