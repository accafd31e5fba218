"""A population that lives through the window: arrivals, exits, dip-buyers, re-entry, whales.

Once a minute (the first tick of each minute) the crowd decides, with its own seeded generator:

* **exits**: each open trader closes with probability ``exit_per_hour / 60`` (Poisson count,
  then a seeded sample of the open traders);
* **arrivals**: new traders, drawn like the first ones (``population.draw_one``), at
  ``exit_per_hour / 60 × count`` a minute on average, so that without liquidations the open
  interest stays level (the documented default path); with an open-interest path (Binance
  ``metrics`` / ``openInterestHist``), enough to bring the open positions to ``count ×
  OI(t) / OI(start)``, and extra exits when above it;
* **dip-buyers**: while the price is ``dip_drawdown`` or more under its 60-minute high, longs
  arrive at ``dip_per_hour × count`` an hour on top;
* **re-entry**: a trader liquidated in full comes back with probability ``reentry_share`` after
  ``reentry_minutes`` (uniform), same side, a fresh deposit, as a new account
  (``<name>-r<n>``).

Every batch trades **trader to trader through the book** at the minute's price: sellers (short
arrivals, long exits) rest limit orders, buyers (long arrivals, short exits) take them with IOC
orders; only the imbalance of the batch is taken by the house (what a market's other
participants would absorb), and what is left resting is cancelled. Whales (``whale_share`` of
traders, notional log-uniform in ``whale_notional``) reach the brackets where partial
liquidation happens; every leverage is capped at its bracket's maximum for the notional.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import accumulate

from liquidator.core.contracts.market import Market
from liquidator.core.exchange.commands import (
    CancelAllOrders,
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
from liquidator.simulation.population import HOUSE, PopulationConfig, Trader, draw_one

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class CrowdConfig:
    """How the population lives (rates per hour are shares of ``PopulationConfig.count``)."""

    exit_per_hour: float = 0.2
    reentry_share: float = 0.3
    reentry_minutes: tuple[int, int] = (5, 60)
    dip_drawdown: float = 0.03
    dip_per_hour: float = 0.1
    age_hours: float = 24.0  # the first traders entered up to this long before the window
    daily_volatility: float = 0.04  # of the price since their entries (a log-normal's sigma)
    whale_share: float = 0.005
    whale_notional: tuple[int, int] = (5_000_000, 40_000_000)  # USDT
    # (symbol, ((ms, open interest raw), ...)): the paths to follow, from files
    open_interest: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()

    def __post_init__(self) -> None:
        for name in ("exit_per_hour", "dip_per_hour", "dip_drawdown"):
            if not 0 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be between 0 and 100")
        for name in ("reentry_share", "whale_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        low, high = self.reentry_minutes
        if not 0 <= low <= high:
            raise ValueError("reentry_minutes: 0 <= low <= high")


@dataclass(slots=True)
class Batch:
    """One minute's orders: who opens (new ``Trader`` records) and who closes (names)."""

    arrivals: list[Trader]
    exits: list[str]


class Crowd:
    """Decide, minute by minute, who arrives and who leaves (deterministic in the seed)."""

    def __init__(
        self, population: PopulationConfig, config: CrowdConfig, symbols: list[str], market: Market
    ) -> None:
        self.population = population
        self.config = config
        self.symbols = symbols
        self.market = market
        self.rng = random.Random(f"crowd-{population.seed}")
        self.drawn = 0
        self.open: dict[str, Trader] = {}  # name -> trader, in order of opening
        self.roster = Roster()  # the same names, found by their place in that order
        self.returning: list[tuple[int, Trader]] = []  # (due ms, trader who will re-enter)
        self.highs: dict[str, list[tuple[int, int]]] = {s: [] for s in symbols}
        self.paths = {symbol: list(points) for symbol, points in config.open_interest}
        self.reentries = 0
        self.brackets: dict[str, tuple[list[int], list[int]]] = {}  # symbol: floors, leverages

    def first(self) -> list[Trader]:
        """Return the traders open at the start: ``count`` survivors of earlier entries."""
        return [
            self._aged(self._new(self.rng.choice(self.symbols)))
            for _ in range(self.population.count)
        ]

    def _aged(self, trader: Trader) -> Trader:
        """Return a trader as found at the start, having entered ``age`` hours before.

        Its entry price is ``r`` times today's, ``r = exp(sigma × sqrt(age / 24 h) × z)``; the
        distance to its liquidation price today is ``1 − r (1 − 1/L)`` for a long and
        ``r (1 + 1/L) − 1`` for a short. Entries already liquidated (distance under 0.5%) are
        drawn again (only survivors are found); the trader opens today at the leverage that
        gives the same distance, ``min(L, floor(1 / distance))``, with its margin buffer.
        """
        leverage = trader.leverage
        for _ in range(50):
            age = self.rng.uniform(0, self.config.age_hours) / 24
            ratio = math.exp(self.config.daily_volatility * math.sqrt(age) * self.rng.gauss(0, 1))
            if trader.long:
                distance = 1 - ratio * (1 - 1 / trader.leverage)
            else:
                distance = ratio * (1 + 1 / trader.leverage) - 1
            if distance > 0.005:
                leverage = max(1, min(trader.leverage, math.floor(1 / distance)))
                break
        if leverage == trader.leverage:
            return trader
        deposit = int(trader.notional / leverage * self.rng.uniform(1.05, 1.6)) + 10
        return replace(trader, leverage=leverage, deposit=deposit)

    def minute(self, now: int, start: int, prices: dict[str, int]) -> Batch:
        """Return the batch of the minute starting at ``now``."""
        for symbol, price in prices.items():
            self._watch(symbol, now, price)
        exits = self._exits(now, start)
        arrivals = self._arrivals(now, start)
        arrivals += self._dip_buyers(prices)
        due = [t for ms, t in self.returning if ms <= now]
        self.returning = [(ms, t) for ms, t in self.returning if ms > now]
        return Batch(arrivals + due, exits)

    def opened(self, trader: Trader) -> None:
        if trader.name not in self.open:
            self.roster.add(trader.name)
        self.open[trader.name] = trader

    def closed(self, name: str, liquidated: bool, now: int) -> None:
        """A position is gone: an exit, a stop or a full liquidation (maybe to come back)."""
        trader = self.open.pop(name, None)
        if trader is not None:
            self.roster.remove(name)
        if trader is None or not liquidated or self.rng.random() >= self.config.reentry_share:
            return
        self.reentries += 1
        low, high = self.config.reentry_minutes
        due = now + self.rng.randint(low, high) * MINUTE_MS
        base = trader.name.split("-r")[0]
        again = replace(trader, name=f"{base}-r{self.reentries}", entry_offset_ms=0)
        self.returning.append((due, again))

    def _exits(self, now: int, start: int) -> list[str]:
        size = len(self.open)
        count = _poisson(self.rng, size * self.config.exit_per_hour / 60)
        above = sum(max(0, len(self._open_of(s)) - self._target(s, now, start)) for s in self.paths)
        count = min(size, max(count, above))
        # the draw of ``sample(list(self.open), count)`` (it reads only the length and the
        # places it draws), without copying every open name each minute
        return sorted(self.roster.at(self.rng.sample(range(size), count))) if count else []

    def _arrivals(self, now: int, start: int) -> list[Trader]:
        if self.paths:
            arrivals = []
            for symbol in self.symbols:
                if symbol in self.paths:
                    gap = self._target(symbol, now, start) - len(self._open_of(symbol))
                    arrivals += [self._new(symbol) for _ in range(max(0, gap))]
            return arrivals
        mean = self.population.count * self.config.exit_per_hour / 60
        return [self._new(self.rng.choice(self.symbols)) for _ in range(_poisson(self.rng, mean))]

    def _dip_buyers(self, prices: dict[str, int]) -> list[Trader]:
        buyers = []
        for symbol, price in prices.items():
            high = max((p for _, p in self.highs[symbol]), default=price)
            if price * (1 + self.config.dip_drawdown) > high:
                continue
            share = self.population.count / max(1, len(self.symbols))
            mean = share * self.config.dip_per_hour / 60
            buyers += [
                replace(self._new(symbol), long=True) for _ in range(_poisson(self.rng, mean))
            ]
        return buyers

    def _watch(self, symbol: str, now: int, price: int) -> None:
        """Keep the last hour's minute prices (the dip's reference high)."""
        window = self.highs.setdefault(symbol, [])
        window.append((now, price))
        while window and window[0][0] <= now - 60 * MINUTE_MS:
            window.pop(0)

    def _target(self, symbol: str, now: int, start: int) -> int:
        path = self.paths[symbol]
        first = _at(path, start)
        return round(self._first_count() * _at(path, now) / first) if first else 0

    def _first_count(self) -> int:
        return round(self.population.count / max(1, len(self.symbols)))

    def _open_of(self, symbol: str) -> list[str]:
        return [name for name, t in self.open.items() if t.symbol == symbol]

    def _new(self, symbol: str) -> Trader:
        name = f"trader-{self.drawn:06d}"
        self.drawn += 1
        trader = draw_one(self.population, self.rng, name, symbol)
        if self.rng.random() < self.config.whale_share:
            low, high = (math.log(v) for v in self.config.whale_notional)
            notional = int(math.exp(self.rng.uniform(low, high)))
            deposit = int(notional / trader.leverage * self.rng.uniform(1.05, 1.6)) + 10
            trader = replace(trader, notional=notional, deposit=deposit)
        return self._capped(trader)

    def _max_leverage(self, symbol: str, notional: int) -> int | None:
        """``max_leverage_at(notional)`` of the symbol's table (None: no table), in integers.

        The bracket is the highest whose floor is at or below the notional, the floors compared
        raw (``floor.raw <= notional x 10^8``, exact): no ``Fraction`` per arrival.
        """
        brackets = self.brackets.get(symbol)
        if brackets is None:
            table = self.market.bracket_table(symbol)
            floors = [b.floor.raw for b in table.brackets] if table is not None else []
            leverages = [b.initial_leverage for b in table.brackets] if table is not None else []
            brackets = self.brackets[symbol] = (floors, leverages)
        floors, leverages = brackets
        if not floors:
            return None
        return leverages[max(0, bisect_right(floors, notional * SCALE) - 1)]

    def _capped(self, trader: Trader) -> Trader:
        """Bring the leverage down to what the bracket of the notional allows."""
        allowed = self._max_leverage(trader.symbol, trader.notional)
        if allowed is None:
            return trader
        if trader.leverage <= allowed:
            return trader
        deposit = int(trader.notional / allowed * self.rng.uniform(1.05, 1.6)) + 10
        return replace(trader, leverage=allowed, deposit=max(deposit, trader.deposit))


class Roster:
    """Names in order of arrival, removable, each found by its place in that order.

    Blocks of at most ``BLOCK`` names in order: a removal edits one short block, a lookup of
    places bisects the blocks' running sizes, where a list of every name would be copied each
    minute or shifted on each removal.
    """

    BLOCK = 64

    def __init__(self) -> None:
        self.blocks: list[list[str]] = []
        self.block_of: dict[str, int] = {}

    def add(self, name: str) -> None:
        if not self.blocks or len(self.blocks[-1]) >= self.BLOCK:
            self.blocks.append([])
        self.blocks[-1].append(name)
        self.block_of[name] = len(self.blocks) - 1

    def remove(self, name: str) -> None:
        self.blocks[self.block_of.pop(name)].remove(name)

    def at(self, places: list[int]) -> list[str]:
        """Return the names at ``places`` (0-based, each below the number of names), in order."""
        ends = list(accumulate(map(len, self.blocks)))  # the place after each block's names
        names = []
        for place in sorted(places):
            index = bisect_right(ends, place)  # the first block reaching beyond ``place``
            block = self.blocks[index]
            names.append(block[place - ends[index] + len(block)])
        return names


def _at(path: list[tuple[int, int]], now: int) -> int:
    """Return the path's last value at or before ``now`` (its first before it starts)."""
    value = path[0][1]
    for ms, point in path:
        if ms > now:
            break
        value = point
    return value


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson count (Knuth's product below 30, a rounded normal above)."""
    if mean <= 0:
        return 0
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def batch_commands(
    arrivals: list[tuple[Trader, int]],
    exits: list[tuple[str, bool, int]],
    symbol: str,
    price: int,
    tick: int,
) -> Iterator[Command]:
    """Yield one symbol's batch, trader to trader at ``price`` (already on the tick).

    ``arrivals``: (trader, quantity raw); ``exits``: (name, long, quantity raw). Sellers rest
    GTC limits, the house rests the buyers' excess, buyers take with IOC, the house takes the
    sellers' excess with IOC, and every seller's residue is cancelled.
    """
    at = Price(price - price % tick)
    sellers = [(t.name, q, False) for t, q in arrivals if not t.long]
    sellers += [(name, q, True) for name, long, q in exits if long]
    buyers = [(t.name, q, False) for t, q in arrivals if t.long]
    buyers += [(name, q, True) for name, long, q in exits if not long]
    for trader, _ in arrivals:
        yield from _account(trader, symbol)
    for name, quantity, reduce in sellers:
        yield _limit(name, symbol, Side.SELL, quantity, at, TimeInForce.GTC, reduce)
    sold, bought = sum(q for _, q, _ in sellers), sum(q for _, q, _ in buyers)
    if bought > sold:
        yield _limit(HOUSE, symbol, Side.SELL, bought - sold, at, TimeInForce.GTC, False)
    for name, quantity, reduce in buyers:
        yield _limit(name, symbol, Side.BUY, quantity, at, TimeInForce.IOC, reduce)
    if sold > bought:
        yield _limit(HOUSE, symbol, Side.BUY, sold - bought, at, TimeInForce.IOC, False)
    for name, _, _ in sellers:
        yield CancelAllOrders(name, symbol)
    yield CancelAllOrders(HOUSE, symbol)
    for trader, _ in arrivals:
        stop = _stop(trader, symbol, price, tick)
        if stop is not None:
            yield stop


def quantity_of(trader: Trader, price: int, step: int) -> int:
    """Return the trader's quantity at ``price`` (notional / price, down to the step)."""
    quantity = trader.notional * SCALE * SCALE // price
    return quantity - quantity % step


def _account(trader: Trader, symbol: str) -> Iterator[Command]:
    yield OpenAccount(trader.name)
    yield Deposit(trader.name, Amount(trader.deposit * SCALE, "USDT"))
    yield SetLeverage(trader.name, symbol, trader.leverage)
    if trader.isolated:
        yield SetMarginType(trader.name, symbol, MarginType.ISOLATED)


def _limit(
    name: str, symbol: str, side: Side, quantity: int, at: Price, tif: TimeInForce, reduce: bool
) -> PlaceOrder:
    return PlaceOrder(
        name, symbol, side, OrderType.LIMIT, Qty(quantity), at, tif, reduce_only=reduce
    )


def _stop(trader: Trader, symbol: str, price: int, tick: int) -> PlaceOrder | None:
    if trader.stop_distance is None:
        return None
    factor = 1 - trader.stop_distance if trader.long else 1 + trader.stop_distance
    stop = int(price * factor)
    return PlaceOrder(
        trader.name,
        symbol,
        Side.SELL if trader.long else Side.BUY,
        OrderType.STOP_MARKET,
        stop_price=Price(max(tick, stop - stop % tick)),
        close_position=True,
        working_type=WorkingType.MARK_PRICE,
    )
