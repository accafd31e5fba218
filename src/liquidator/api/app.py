"""The FastAPI application, built by a factory (no global state at import).

``build_app(settings, open_server)`` serves, around the server the composition root opens
(``liquidator.bootstrap.server``: the journal, keys and histories, the clocks), Binance's REST
paths (``routes_*``), the admin API and every WebSocket path the clients use.
Background tasks (``background``, each supervised: a failure halts the server, never a silent
death) feed commands through the same single loop: a heartbeat that lets time pass (funding,
samples, the insurance funds' unwinding), a seeded random walk of the index prices (the default
price source) or a price file, and the expiry of listen keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from liquidator.api import background
from liquidator.api.background import PriceTicks
from liquidator.api.guard import BodyLimit
from liquidator.api.limits import RequestLimits
from liquidator.api.rest import (
    routes_account,
    routes_admin,
    routes_coinm,
    routes_market,
    routes_trade,
    routes_venue,
)
from liquidator.api.rest.dispatch import Endpoint, RouteTable, unexpected_answer
from liquidator.api.rest.routing import Family, Route, endpoint
from liquidator.api.server import Server
from liquidator.api.settings import Settings
from liquidator.api.streams.connection import DSTREAM_PATHS, websocket_endpoint
from liquidator.api.ws_api import PATH as WS_API_PATH
from liquidator.api.ws_api import ws_api_endpoint
from liquidator.web import pages

log = logging.getLogger("liquidator.api")

ROUTES: tuple[Route, ...] = (
    *routes_market.ROUTES,
    *routes_trade.ROUTES,
    *routes_account.ROUTES,
    *routes_admin.ROUTES,
    *routes_venue.ROUTES,
    *routes_coinm.ROUTES,
)
WS_PATHS = (
    "/ws",
    "/ws/{rest:path}",
    "/stream",
    "/stream/{rest:path}",
    *(f"/{scope}/{kind}" for scope in ("market", "public", "private") for kind in ("ws", "stream")),
    *(
        f"/{scope}/{kind}/{{rest:path}}"
        for scope in ("market", "public", "private")
        for kind in ("ws", "stream")
    ),
    *DSTREAM_PATHS,
)


def build_app(
    settings: Settings, open_server: Callable[[], Server], price_ticks: PriceTicks | None = None
) -> FastAPI:
    """Build the application around ``open_server`` (the composition root's), called when the
    app starts (its lifespan); ``price_ticks`` is the recorded price path to feed, if any."""
    holder: dict[str, Server] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = open_server()
        holder["server"] = server
        app.state.server = server
        tasks = background.start(server, settings, price_ticks)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if server.halted is None:  # a halted state may be ahead of the disk: no snapshot
                server.live.exchange.snapshot()
            server.live.close()

    app = BinanceApp(
        title="liquidator: a local Binance USDⓈ-M and COIN-M futures exchange",
        version="0.1.0",
        lifespan=lifespan,
    )
    proxy = _Proxy(holder)
    shared = RequestLimits.of(settings.limits)
    symbols = {
        family: tuple(sorted(s for s, i in settings.market.instruments.items() if family.lists(i)))
        for family in Family
    }
    endpoints = {
        (route.method, route.path): endpoint(proxy, route, shared)  # type: ignore[arg-type]
        for route in ROUTES
    }
    for route in ROUTES:
        app.add_api_route(
            route.path,
            endpoints[route.method, route.path],
            methods=[route.method],
            openapi_extra=route.openapi_extra(symbols[route.family]),
            summary=route.summary or f"{route.method} {route.path}",
            response_model=None,
        )
    for path in WS_PATHS:
        app.add_api_websocket_route(path, websocket_endpoint(holder, settings.limits))
    app.add_api_websocket_route(WS_API_PATH, ws_api_endpoint(holder, ROUTES, shared))
    pages.mount(app)  # the dashboard at / and its files at /static
    app.add_middleware(BodyLimit, max_bytes=settings.limits.max_body_bytes)
    _error_handlers(app)
    app.serve_first(endpoints, settings.limits.max_body_bytes)
    return app


class BinanceApp(FastAPI):
    """FastAPI, with Binance's REST paths served first by an exact lookup (``rest.dispatch``)."""

    _table: RouteTable | None = None

    def serve_first(self, endpoints: Mapping[tuple[str, str], Endpoint], max_body: int) -> None:
        """Serve ``endpoints`` ahead of the router, their bodies capped at ``max_body``."""
        self._table = RouteTable(super().__call__, endpoints, max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._table is None:
            await super().__call__(scope, receive, send)
        else:
            await self._table(scope, receive, send)


class _Proxy:
    """Routes are bound before the server opens (in the lifespan): look it up per request."""

    def __init__(self, holder: dict[str, Server]) -> None:
        self._holder = holder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._holder["server"], name)


def _error_handlers(app: FastAPI) -> None:
    async def not_found(request: Request, error: Exception) -> JSONResponse:
        status = error.status_code if isinstance(error, HTTPException) else 500
        if status in (404, 405):
            return JSONResponse(
                {
                    "code": -5000,
                    "msg": f"Path {request.url.path}, Method {request.method} is invalid",
                },
                status_code=status,
            )
        return JSONResponse({"code": -1000, "msg": str(getattr(error, "detail", error))}, status)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:  # noqa: ARG001
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return unexpected_answer()

    app.add_exception_handler(HTTPException, not_found)
    app.add_exception_handler(Exception, unexpected)
