"""The ASGI app: request pipeline (404/405/406/401/403/429/503), farm ticker and deliveries.

``create_app`` builds one :class:`~simulator.server.sim.Simulator` and serves the API under
``/{company}/...`` and the control endpoints under ``/_sim/...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.config import SimConfig
from simulator.contract import variants
from simulator.contract.api import ACCOUNT_LEVEL, ROUTES, Call
from simulator.contract.params import ApiError
from simulator.domain.clock import RealClock
from simulator.server.control import CONTROL_ROUTES
from simulator.server.sim import Simulator

NOT_LOGGED_IN = "No API key provided, or not logged in"
NO_ACCESS = "You don't have access to this account"


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": False, "message": message}, status_code=status,
                        headers=headers)


def _accepts_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return True
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(m in ("*/*", "application/*", "application/json") or m.endswith("+json")
               for m in media)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "body: Invalid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: Must be a JSON object")
    return body


def _key_ok(sim: Simulator, request: Request) -> bool:
    return request.headers.get("x-api-key") == sim.config.api_key


async def api_endpoint(request: Request) -> Response:
    sim: Simulator = request.app.state.sim
    path = request.path_params["path"]
    entry = ROUTES.get(path)
    if path == "webhooks/GetSamplePayload" and not sim.config.sample_payloads:
        entry = None  # an older backend
    response = await _api_response(sim, request, entry)
    # SimplyPrint's clock: the one its deliveries' `timestamp` comes from (the farm's simulated
    # time). printfarm orders polls by it; if deliveries are ever stamped otherwise, so must this.
    response.headers["Date"] = email.utils.formatdate(sim.clock.now(), usegmt=True)
    sim.stats.record_request(path if entry else "<unknown>", response.status_code)
    return response


async def _webhooks_refused(sim: Simulator) -> Response:
    """``webhooks/*`` on an account whose webhooks are unavailable, the way ``webhooks_refusal``
    says (the documented codes, a 200 with ``status: false``, or no answer in time)."""
    refusal = sim.config.webhooks_refusal
    if refusal == "timeout":
        await asyncio.sleep(sim.config.slow_seconds)
        return _error(504, "Gateway Timeout")
    if refusal == "status_false":
        return _error(200, "Your plan does not include webhooks")
    messages = {"401": NOT_LOGGED_IN, "403": "You don't have permission to manage webhooks",
                "404": "Not Found", "500": "Internal Server Error"}
    return _error(int(refusal), messages[refusal])


async def _api_response(sim: Simulator, request: Request, entry: Any) -> Response:
    if entry is None:
        return _error(404, "Not Found")
    methods, handler = entry
    if request.method not in methods:
        return _error(405, "Method Not Allowed", {"Allow": ", ".join(sorted(methods))})
    if not _accepts_json(request):
        return _error(406, "Not Acceptable: only application/json is available")
    if not _key_ok(sim, request):
        return _error(401, NOT_LOGGED_IN)
    path = request.path_params["path"]
    company = request.path_params["company"]
    if company != str(sim.config.company_id) and not (company == "0" and path in ACCOUNT_LEVEL):
        return _error(403, NO_ACCESS)
    retry_after = sim.limiter.retry_after(sim.config.api_key)
    if retry_after is not None:
        return _error(429, "Too Many Requests",
                      {"Retry-After": str(retry_after)} if sim.config.retry_after else None)
    if sim.fail_next > 0:
        sim.fail_next -= 1
        return _error(503, "Service Unavailable")
    if path.startswith("webhooks/") and not sim.webhooks_available:
        return await _webhooks_refused(sim)
    try:
        body = await _json_body(request) if request.method == "POST" else {}
        sim.sync()
        payload = handler(Call(request.method, request.query_params, body, sim.farm,
                               sim.delivery, sim.config))
    except ApiError as exc:
        return _error(exc.status, exc.message)
    return JSONResponse(variants.answer(path, payload, sim.config))


async def control_endpoint(request: Request) -> Response:
    sim: Simulator = request.app.state.sim
    path = request.path_params["path"].strip("/")
    if not _key_ok(sim, request):
        return _error(401, NOT_LOGGED_IN)
    handler = CONTROL_ROUTES.get((request.method, path))
    if handler is None:
        known = any(p == path for _, p in CONTROL_ROUTES)
        return _error(405 if known else 404, "Method Not Allowed" if known else "Not Found")
    try:
        body = await _json_body(request) if request.method == "POST" else {}
        sim.sync()
        return JSONResponse(handler(sim, body, dict(request.query_params)))
    except ApiError as exc:
        return _error(exc.status, exc.message)


async def not_found(request: Request) -> Response:
    return _error(404, "Not Found")


def create_app(config: SimConfig | None = None) -> Starlette:
    """The simulator as an ASGI app; ``app.state.sim`` is its :class:`Simulator`."""
    sim = Simulator(config or SimConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sim.delivery.start()
        ticker = asyncio.create_task(sim.ticker()) if isinstance(sim.clock, RealClock) else None
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                await asyncio.gather(ticker, return_exceptions=True)
            await sim.delivery.stop()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[
        Route("/_sim/{path:path}", control_endpoint, methods=methods),
        Route("/{company}/{path:path}", api_endpoint, methods=methods),
        Route("/{path:path}", not_found, methods=methods),
    ], lifespan=lifespan)
    app.state.sim = sim
    return app
