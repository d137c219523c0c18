"""A running SimplyPrint simulator for tests: served over real HTTP on a free loopback port, with
the account the test settings use (company 1, key ``test-api-key``) so that pointing
``SIMPLEPRINT_CONFIG['base_url']`` at it is enough."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from simulator import SimConfig, Simulator, create_app
from simulator.testing import SimulatorClient, serve_in_thread

API_KEY = "test-api-key"
COMPANY_ID = 1


class SimulatedSimplyPrint(SimulatorClient):
    """A client on a simulator served in this process; ``sim`` is the simulator itself."""

    def __init__(self, base_url: str, sim: Simulator) -> None:
        super().__init__(base_url, api_key=sim.config.api_key, company_id=sim.config.company_id)
        self.sim = sim

    def set_rate_limit(self, per_window: int, window: float) -> None:
        """SimplyPrint's own limit, with a short window so that tests need not wait minutes."""
        self.sim.limiter.per_minute = per_window
        self.sim.limiter.window = window


@contextlib.contextmanager
def running_simulator(**overrides: Any) -> Iterator[SimulatedSimplyPrint]:
    values: dict[str, Any] = {
        "clock": "manual", "natural": False, "printers": 5, "api_key": API_KEY,
        "company_id": COMPANY_ID, "rate_limit": 0, "retry_base": 0.02, "retry_attempts": 3,
        "delivery_timeout": 2.0, "reorder_hold": 0.3, "log_level": "warning",
    }
    values.update(overrides)
    app = create_app(SimConfig(**values))
    with serve_in_thread(app) as url, SimulatedSimplyPrint(url, app.state.sim) as running:
        yield running


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class ScriptedSimplyPrint:
    """A real HTTP server that records each request and answers from ``answers`` (path after the
    company id -> (status, JSON body), or a function giving one per request),
    ``{"status": true}`` by default: for exact parameter placement and for answer shapes the
    simulator does not produce."""

    answers: dict[str, Any]
    requests: list[Recorded]

    def app(self) -> Any:
        import json

        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def handle(request: Request) -> JSONResponse:
            raw = await request.body()
            path = request.path_params["path"]
            self.requests.append(Recorded(request.method, path, dict(request.query_params),
                                          json.loads(raw) if raw else None,
                                          dict(request.headers)))
            answer = self.answers.get(path, (200, {"status": True, "message": None}))
            status, body = answer() if callable(answer) else answer
            return JSONResponse(body, status_code=status)

        return Starlette(routes=[Route("/{company}/{path:path}", handle,
                                       methods=["GET", "POST"])])


@contextlib.contextmanager
def scripted_simplyprint(**answers: tuple[int, dict[str, Any]]
                         ) -> Iterator[tuple[ScriptedSimplyPrint, str]]:
    """``answers`` keys use ``__`` for ``/`` (``printers__Get``)."""
    server = ScriptedSimplyPrint({k.replace("__", "/"): v for k, v in answers.items()}, [])
    with serve_in_thread(server.app()) as url:
        yield server, url
