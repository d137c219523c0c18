"""The shared request budget: never exceeded under concurrent bursts (measured by the
simulator, which answers 429 past its own limit), in one process and across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable

import pytest

from apps.simpleprint.remote.client import SimplePrintAPIError, SimplePrintClient
from apps.simpleprint.remote.ratelimit import (
    LocalRateLimiter,
    RateLimiter,
    RateLimitTimeout,
    RedisRateLimiter,
    get_limiter,
)
from tests.simplyprint_sim import SimulatedSimplyPrint
from tests.stack import ROOT

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


def burst(url: str, limiter: RateLimiter, threads: int = 8, calls: int = 5) -> list[str]:
    """``threads`` clients sharing ``limiter`` each make ``calls`` calls; returns the errors."""
    errors: list[str] = []

    def work() -> None:
        with SimplePrintClient(base_url=url, company_id=1, api_key="test-api-key",
                               limiter=limiter, max_attempts=1, max_wait=30) as sp:
            for _ in range(calls):
                try:
                    sp.test_account()
                except SimplePrintAPIError as exc:
                    errors.append(str(exc))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


# --- in-process --------------------------------------------------------------------------------

def test_grants_up_to_the_limit_then_says_how_long_to_wait() -> None:
    limiter = LocalRateLimiter(3, window=60)
    assert [limiter.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert 59 < limiter.try_acquire() <= 60
    assert limiter.used() == 3


def test_acquire_refuses_a_wait_longer_than_max_wait() -> None:
    limiter = LocalRateLimiter(1, window=60)
    limiter.acquire()
    with pytest.raises(RateLimitTimeout, match=r"longer than the 0\.5 s"):
        limiter.acquire(max_wait=0.5)


def test_a_pause_holds_back_even_an_unlimited_limiter() -> None:
    limiter = LocalRateLimiter(0)
    limiter.pause(30)
    assert limiter.try_acquire() > 29
    with pytest.raises(RateLimitTimeout):
        limiter.acquire(max_wait=1)


def test_the_process_shares_one_limiter_per_account() -> None:
    name = uuid.uuid4().hex
    assert get_limiter(name, 10) is get_limiter(name, 10)
    assert get_limiter(name, 10) is not get_limiter(uuid.uuid4().hex, 10)


def test_concurrent_burst_stays_under_simplyprints_limit(
    simplyprint: SimulatedSimplyPrint,
) -> None:
    simplyprint.set_rate_limit(20, window=1.0)
    # Half the simulator's budget: client-side and server-side windows see the same calls a
    # few milliseconds apart, more under load.
    errors = burst(simplyprint.url, LocalRateLimiter(10, window=1.0))
    assert errors == []
    assert simplyprint.stats()["requests"]["rate_limited"] == 0
    assert simplyprint.requests_to("account/Test") == {"200": 40}


def test_the_same_burst_without_a_limiter_is_rate_limited(
    simplyprint: SimulatedSimplyPrint,
) -> None:
    """The control for the test above: the simulator does catch an unthrottled burst."""
    simplyprint.set_rate_limit(20, window=1.0)
    errors = burst(simplyprint.url, LocalRateLimiter(0))
    assert errors and set(errors) == {"HTTP error 429: Too Many Requests"}


def test_after_a_429_every_caller_waits(simplyprint: SimulatedSimplyPrint) -> None:
    limiter = LocalRateLimiter(100, window=1.0)
    simplyprint.set_rate_limit(1, window=1.0)
    with SimplePrintClient(base_url=simplyprint.url, company_id=1, api_key="test-api-key",
                           limiter=limiter, max_attempts=1) as sp:
        sp.test_account()
        with pytest.raises(SimplePrintAPIError):
            sp.test_account()
    assert limiter.try_acquire() > 0  # the shared pause, until SimplyPrint's Retry-After


# --- across processes, through Redis -----------------------------------------------------------

@pytest.fixture
def redis_limiter() -> Callable[..., RedisRateLimiter]:
    name = f"test-{uuid.uuid4().hex}"
    return lambda limit, window=60.0: RedisRateLimiter(TEST_REDIS_URL, name, limit, window)


@pytest.mark.production
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_redis_limiters_with_one_name_share_the_budget(
    redis_limiter: Callable[..., RedisRateLimiter],
) -> None:
    first, second = redis_limiter(3), redis_limiter(3)
    assert [first.try_acquire(), first.try_acquire(), second.try_acquire()] == [0, 0, 0]
    assert 59 < second.try_acquire() <= 60
    assert first.used() == 3


@pytest.mark.production
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_redis_pause_is_shared(redis_limiter: Callable[..., RedisRateLimiter]) -> None:
    first, second = redis_limiter(100), redis_limiter(100)
    first.pause(20)
    assert 19 < second.try_acquire() <= 20
    second.pause(5)  # a shorter pause never shortens the current one
    assert first.try_acquire() > 19


@pytest.mark.production
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_two_processes_share_the_limit_through_redis(simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.set_rate_limit(20, window=1.0)
    name, start = f"burst-{uuid.uuid4().hex}", time.time() + 2.5
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    args = [sys.executable, "-m", "tests.simpleprint.remote.burst", simplyprint.url, TEST_REDIS_URL,
            name, "10", "1.0", "4", "5", str(start)]
    procs = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    assert [out.strip().splitlines()[-1] for out in outputs] == ["20", "20"]
    assert simplyprint.stats()["requests"]["rate_limited"] == 0
    assert simplyprint.requests_to("account/Test") == {"200": 40}
