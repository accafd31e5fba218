"""The FastAPI application, built by a factory (no global state at import).

``create_app(settings)`` opens the journal (SQLite by default), restores the engine, and serves
Binance's REST paths (``routes_*``), the admin API and every WebSocket path the clients use.
Background tasks (``background``, each supervised: a failure halts the server, never a silent
death) feed commands through the same single loop: a heartbeat that lets time pass (funding,
samples, the insurance funds' unwinding), a seeded random walk of the index prices (the default
price source) or a price file, and the expiry of listen keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.adapters.sqlite.keys import SqliteKeyStore
from liquidator.api import background
from liquidator.api.guard import BodyLimit
from liquidator.api.limits import RequestLimits, ServerLimits
from liquidator.api.rest import (
    routes_account,
    routes_admin,
    routes_market,
    routes_trade,
    routes_venue,
)
from liquidator.api.rest.routing import Route, endpoint
from liquidator.api.server import Server
from liquidator.api.streams.connection import websocket_endpoint
from liquidator.api.ws_api import PATH as WS_API_PATH
from liquidator.api.ws_api import ws_api_endpoint
from liquidator.app.exchange import Exchange
from liquidator.app.journal import Journal, MemoryJournal
from liquidator.app.keys import KeyStore, MemoryKeyStore
from liquidator.app.live_exchange import Clock, LiveExchange, SimulatedClock
from liquidator.core.contracts.market import Market
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.money.fixed import SCALE, Price
from liquidator.web import pages

log = logging.getLogger("liquidator.api")

ROUTES: tuple[Route, ...] = (
    *routes_market.ROUTES,
    *routes_trade.ROUTES,
    *routes_account.ROUTES,
    *routes_admin.ROUTES,
    *routes_venue.ROUTES,
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
)
START_PRICES = {"BTCUSDT": 60_000 * SCALE, "ETHUSDT": 3_000 * SCALE}


class WallClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)


@dataclass
class Settings:
    """How a server runs (``liquidator serve`` fills it from its options)."""

    market: Market
    database: Path | None = None  # None: an in-memory journal and key store
    venue: VenueConfig = field(
        default_factory=lambda: VenueConfig(market_maker=MarketMakerConfig())
    )
    admin_key: str = field(default_factory=lambda: secrets.token_hex(16))
    simulated_start_ms: int | None = None  # simulated time from here; None: the wall clock
    check_timestamp: bool = True
    weight_limit: int = 2400
    heartbeat_ms: int = 1000
    price_walk: bool = True
    walk_seed: int = 7
    walk_interval_ms: int = 1000
    walk_bps: float = 5.0  # standard deviation of a step, in basis points
    start_prices: dict[str, int] = field(default_factory=lambda: dict(START_PRICES))
    price_file: Path | None = None  # a Binance kline CSV replayed as the index (and fed mark)
    price_symbol: str = "BTCUSDT"
    price_speed: float = 1.0  # times real time
    snapshot_every: int = 200_000  # a snapshot blocks the loop: rare, and one at shutdown
    synchronous: str = "NORMAL"
    limits: ServerLimits = field(default_factory=ServerLimits)  # bodies, orders, WebSockets...


def create_app(settings: Settings, keys: KeyStore | None = None) -> FastAPI:
    """Build the application; the engine opens when the app starts (its lifespan)."""
    holder: dict[str, Server] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = _open(settings, keys)
        holder["server"] = server
        app.state.server = server
        tasks = background.start(server, settings)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if server.halted is None:  # a halted state may be ahead of the disk: no snapshot
                server.live.exchange.snapshot()
            server.live.close()

    app = FastAPI(
        title="liquidator: a local Binance USDⓈ-M futures exchange",
        version="0.1.0",
        lifespan=lifespan,
    )
    proxy = _Proxy(holder)
    shared = RequestLimits.of(settings.limits)
    symbols = tuple(sorted(s for s, i in settings.market.instruments.items() if not i.is_inverse))
    for route in ROUTES:
        app.add_api_route(
            route.path,
            endpoint(proxy, route, shared),  # type: ignore[arg-type]
            methods=[route.method],
            openapi_extra=route.openapi_extra(symbols),
            summary=route.summary or f"{route.method} {route.path}",
            response_model=None,
        )
    for path in WS_PATHS:
        app.add_api_websocket_route(path, websocket_endpoint(holder, settings.limits))
    app.add_api_websocket_route(WS_API_PATH, ws_api_endpoint(holder, ROUTES, shared))
    pages.mount(app)  # the dashboard at / and its files at /static
    app.add_middleware(BodyLimit, max_bytes=settings.limits.max_body_bytes)
    _error_handlers(app)
    return app


class _Proxy:
    """Routes are bound before the server opens (in the lifespan): look it up per request."""

    def __init__(self, holder: dict[str, Server]) -> None:
        self._holder = holder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._holder["server"], name)


def _open(settings: Settings, keys: KeyStore | None) -> Server:
    """Open the journal and keys, restore the engine, and seed the start prices."""
    journal: Journal
    if settings.database is None:
        journal = MemoryJournal()
        store: KeyStore = keys or MemoryKeyStore()
    else:
        journal = SqliteJournal(settings.database, synchronous=settings.synchronous)
        store = keys or SqliteKeyStore(settings.database)
        if isinstance(store, SqliteKeyStore):  # a spent signature commits with its command
            store.stage_signatures_with(journal.stage)
    exchange = Exchange.open(
        settings.market, settings.venue, journal, snapshot_every=settings.snapshot_every
    )
    clock: Clock = (
        SimulatedClock(max(settings.simulated_start_ms, exchange.engine.venue.now_ms))
        if settings.simulated_start_ms is not None
        else WallClock()
    )
    histories = (  # beside the journal: in its file, or in memory with it
        SqliteHistory.memory()
        if settings.database is None
        else SqliteHistory.open(settings.database, synchronous=settings.synchronous)
    )
    live = LiveExchange(exchange, clock, histories)
    server = Server(
        live,
        settings.market,
        store,
        admin_key=settings.admin_key,
        weight_limit=settings.weight_limit,
        check_timestamp=settings.check_timestamp and settings.simulated_start_ms is None,
    )
    feed = settings.venue.mark_source is PriceSource.FEED
    for symbol, state in live.venue.symbols.items():
        start = settings.start_prices.get(symbol)
        if start is None:
            continue
        if state.index_price == 0:
            live.submit(SetIndexPrice(symbol, Price(start)))
        if feed and state.mark_price == 0:
            live.submit(SetMarkPrice(symbol, Price(start)))
    return server


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
        return JSONResponse(
            {"code": -1000, "msg": "An unknown error occurred while processing the request."},
            status_code=500,
        )

    app.add_exception_handler(HTTPException, not_found)
    app.add_exception_handler(Exception, unexpected)
