"""How a server runs: the options ``liquidator serve`` fills, read by the root and the tasks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from liquidator.api.limits import ServerLimits
from liquidator.core.contracts.market import Market
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.fixed import SCALE

START_PRICES = {"BTCUSDT": 60_000 * SCALE, "ETHUSDT": 3_000 * SCALE, "BTCUSD_PERP": 60_000 * SCALE}


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
    flow_per_minute: float = 0.0  # background takers' trades a minute per symbol (serve: 6)
    history_days: float = 0.0  # past 1m candles written on a fresh venue (serve: 2 days)
    history_file: Path | None = None  # a Binance 1m kline CSV the past follows (else a walk)
