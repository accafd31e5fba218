"""A seeded synthetic population of leveraged traders, opened through the engine's own commands.

Each trader gets a deposit, a leverage (log-uniform between the bounds), a margin type, a side,
a notional (log-normal: most small, some up in the higher margin tiers) and, for a share of
them, a reduce-only STOP_MARKET at a distance below (long) or above (short) the entry. A
``house`` account with a very large wallet rests each trader's opening order at the price of the
moment and the trader takes it, so every position has a real counterparty and the ledger stays
balanced; the house never comes near liquidation. The same seed gives the same population.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

from liquidator.core.contracts.instrument import Instrument
from liquidator.core.exchange.commands import (
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetLeverage,
    SetMarginType,
)
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce, WorkingType
from liquidator.core.margin.position import MarginType
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty

HOUSE = "house"


@dataclass(frozen=True, slots=True)
class PopulationConfig:
    """Who trades: how many, how leveraged, which margin, which side, how big, how protected."""

    count: int = 1_000
    seed: int = 7
    min_leverage: int = 2
    max_leverage: int = 100
    isolated_share: float = 0.5
    long_share: float = 0.6
    median_notional: int = 5_000  # USDT
    notional_sigma: float = 1.2  # of the log-normal
    max_notional: int = 5_000_000  # USDT: reaches BTCUSDT's higher tiers
    stop_loss_share: float = 0.2
    stop_distance: tuple[float, float] = (0.02, 0.08)  # of the entry price
    entry_window_ms: int = 0  # entries spread over this much time from the start (0: at once)
    # (symbol, highest leverage) of a venue profile: a trader drawn above it opens at it, with
    # the same deposit and a notional scaled down alike (the same people under other rules)
    leverage_caps: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if self.count < 0 or not 1 <= self.min_leverage <= self.max_leverage <= 125:
            raise ValueError("count >= 0 and 1 <= min_leverage <= max_leverage <= 125")
        for share in (self.isolated_share, self.long_share, self.stop_loss_share):
            if not 0 <= share <= 1:
                raise ValueError("shares are between 0 and 1")


@dataclass(frozen=True, slots=True)
class Trader:
    """One trader as drawn (before the engine accepts or refuses the opening)."""

    name: str
    symbol: str
    leverage: int
    isolated: bool
    long: bool
    notional: int  # USDT
    deposit: int  # USDT
    stop_distance: float | None
    entry_offset_ms: int


def draw(config: PopulationConfig, symbols: list[str]) -> list[Trader]:
    """Return the population ``config`` describes (deterministic in its seed)."""
    rng = random.Random(config.seed)
    traders = []
    low, high = math.log(config.min_leverage), math.log(config.max_leverage)
    for number in range(config.count):
        leverage = max(
            config.min_leverage, min(config.max_leverage, round(math.exp(rng.uniform(low, high))))
        )
        notional = int(
            min(
                config.max_notional,
                config.median_notional * math.exp(rng.gauss(0, config.notional_sigma)),
            )
        )
        notional = max(notional, 200)
        margin = notional / leverage
        deposit = int(margin * rng.uniform(1.05, 1.6)) + 10  # a little more than the margin
        stop = rng.uniform(*config.stop_distance) if rng.random() < config.stop_loss_share else None
        traders.append(
            Trader(
                f"trader-{number:06d}",
                rng.choice(symbols),
                leverage,
                rng.random() < config.isolated_share,
                rng.random() < config.long_share,
                notional,
                deposit,
                stop,
                rng.randrange(config.entry_window_ms) if config.entry_window_ms else 0,
            )
        )
    return capped(traders, dict(config.leverage_caps)) if config.leverage_caps else traders


def draw_one(config: PopulationConfig, rng: random.Random, name: str, symbol: str) -> Trader:
    """Return one trader of ``symbol`` drawn as ``draw`` draws them (a living crowd's arrival).

    Leverage log-uniform between the bounds, notional log-normal (capped), a deposit of 1.05 to
    1.6 times the margin, a stop for ``stop_loss_share`` of them; the venue's caps applied.
    """
    low, high = math.log(config.min_leverage), math.log(config.max_leverage)
    leverage = max(
        config.min_leverage, min(config.max_leverage, round(math.exp(rng.uniform(low, high))))
    )
    median = config.median_notional * math.exp(rng.gauss(0, config.notional_sigma))
    notional = max(200, int(min(config.max_notional, median)))
    deposit = int(notional / leverage * rng.uniform(1.05, 1.6)) + 10
    stop = rng.uniform(*config.stop_distance) if rng.random() < config.stop_loss_share else None
    trader = Trader(
        name,
        symbol,
        leverage,
        rng.random() < config.isolated_share,
        rng.random() < config.long_share,
        notional,
        deposit,
        stop,
        0,
    )
    caps = dict(config.leverage_caps)
    return capped([trader], caps)[0] if symbol in caps else trader


def capped(traders: list[Trader], caps: dict[str, int]) -> list[Trader]:
    """Bring each trader above its symbol's cap down to it: notional × cap / leverage."""
    result = []
    for drawn in traders:
        cap = caps.get(drawn.symbol)
        if cap is not None and drawn.leverage > cap:
            notional = max(200, drawn.notional * cap // drawn.leverage)
            drawn = replace(drawn, leverage=cap, notional=notional)  # noqa: PLW2901
        result.append(drawn)
    return result


def house_commands(symbols: list[str]) -> Iterator[Command]:
    yield OpenAccount(HOUSE)
    yield Deposit(HOUSE, Amount(10**12 * SCALE, "USDT"))
    for symbol in symbols:
        yield SetLeverage(HOUSE, symbol, 1)


def opening_commands(trader: Trader, instrument: Instrument, price: int) -> Iterator[Command]:
    """Open ``trader``'s account and position at ``price`` against the house."""
    symbol = instrument.symbol
    step = instrument.step_size.raw
    quantity = trader.notional * SCALE * SCALE // price
    quantity -= quantity % step
    if quantity <= 0:
        return
    yield OpenAccount(trader.name)
    yield Deposit(trader.name, Amount(trader.deposit * SCALE, "USDT"))
    yield SetLeverage(trader.name, symbol, trader.leverage)
    if trader.isolated:
        yield SetMarginType(trader.name, symbol, MarginType.ISOLATED)
    side = Side.BUY if trader.long else Side.SELL
    tick = instrument.tick_size.raw
    at = Price(price - price % tick)
    yield PlaceOrder(
        HOUSE, symbol, side.opposite, OrderType.LIMIT, Qty(quantity), at, TimeInForce.GTC
    )
    yield PlaceOrder(trader.name, symbol, side, OrderType.LIMIT, Qty(quantity), at, TimeInForce.IOC)
    if trader.stop_distance is not None:
        factor = 1 - trader.stop_distance if trader.long else 1 + trader.stop_distance
        stop = int(price * factor)
        yield PlaceOrder(
            trader.name,
            symbol,
            side.opposite,
            OrderType.STOP_MARKET,
            stop_price=Price(max(tick, stop - stop % tick)),
            close_position=True,
            working_type=WorkingType.MARK_PRICE,
        )
