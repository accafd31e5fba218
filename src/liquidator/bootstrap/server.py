"""A running exchange wired together: storage, clocks, price feeds and the application.

The one place that chooses the adapters: the journal, the API keys and the histories in SQLite
beside it (or in memory), the wall clock or a simulated one, the recorded price file. The API
is handed the server this builds (``open_server``) and never opens storage itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from fastapi import FastAPI

from liquidator.adapters.clock import WallClock
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.adapters.sqlite.keys import SqliteKeyStore
from liquidator.api.app import build_app
from liquidator.api.background import PriceTicks
from liquidator.api.server import Server
from liquidator.api.settings import Settings
from liquidator.app.clock import Clock, SimulatedClock
from liquidator.app.exchange import Exchange
from liquidator.app.journal import Journal, MemoryJournal
from liquidator.app.keys import KeyStore, MemoryKeyStore
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.venue import PriceSource
from liquidator.core.money.fixed import Price
from liquidator.core.pricing.kline_path import kline_path
from liquidator.read.seeded_history import (
    MAX_DAYS,
    HistorySeed,
    Minute,
    minute_volatility_bps,
    seed_history,
)

GROUP_COMMIT_MAX = 1024  # records one loop turn may hold back before they are written anyway
MAX_HISTORY_MINUTES = MAX_DAYS * 1440  # the most of a history file kept in memory


def create_app(settings: Settings, keys: KeyStore | None = None) -> FastAPI:
    """Return the application serving the exchange ``settings`` describe (opened on start)."""
    return build_app(settings, lambda: open_server(settings, keys), price_ticks(settings))


def open_server(settings: Settings, keys: KeyStore | None = None) -> Server:
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
    exchange = Exchange.open(  # the server holds answers until the loop's turn is journaled
        settings.market,
        settings.venue,
        journal,
        snapshot_every=settings.snapshot_every,
        batch=GROUP_COMMIT_MAX,
        group_commit=True,
    )
    wall = WallClock()
    clock: Clock = (
        SimulatedClock(max(settings.simulated_start_ms, exchange.engine.venue.now_ms))
        if settings.simulated_start_ms is not None
        else wall
    )
    histories = (  # beside the journal: in its file, or in memory with it
        SqliteHistory.memory()
        if settings.database is None
        else SqliteHistory.open(
            settings.database, synchronous=settings.synchronous, background=True
        )
    )
    live = LiveExchange(exchange, clock, histories)
    server = Server(
        live,
        settings.market,
        store,
        admin_key=settings.admin_key,
        weight_limit=settings.weight_limit,
        check_timestamp=settings.check_timestamp and settings.simulated_start_ms is None,
        wall_clock=wall,
    )
    _seed_prices(live, settings)
    if settings.history_days > 0:  # past candles before the first request, once
        volatility = minute_volatility_bps(settings.walk_bps, settings.walk_interval_ms)
        plan = HistorySeed(
            settings.history_days, settings.walk_seed, volatility, shape=_shape(settings)
        )
        seed_history(live.venue, live.market, live.histories.store, live.now_ms(), plan)
    return server


def _seed_prices(live: LiveExchange, settings: Settings) -> None:
    feed = settings.venue.mark_source is PriceSource.FEED
    for symbol, state in live.venue.symbols.items():
        start = settings.start_prices.get(symbol)
        if start is None:
            continue
        if state.index_price == 0:
            live.submit(SetIndexPrice(symbol, Price(start)))
        if feed and state.mark_price == 0:
            live.submit(SetMarkPrice(symbol, Price(start)))


def _shape(settings: Settings) -> tuple[Minute, ...]:
    """The recorded minutes the past follows: the history file's last ones (none: a walk)."""
    if settings.history_file is None:
        return ()
    minutes = deque[Minute](maxlen=MAX_HISTORY_MINUTES)
    for bar in read_klines(settings.history_file):
        minutes.append((bar.open, bar.high, bar.low, bar.close, bar.volume))
    return tuple(minutes)


def price_ticks(settings: Settings) -> PriceTicks | None:
    """The price file as ticks: each minute along its open-high-low-close path."""
    path = settings.price_file
    if path is None:
        return None

    def ticks() -> Iterator[tuple[int, int]]:
        for bar in read_klines(path):
            yield from kline_path(bar.open_ms, 60_000, (bar.open, bar.high, bar.low, bar.close))

    return ticks
