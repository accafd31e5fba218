"""A seeded stream of realistic trading commands, for simulations, restarts and benchmarks.

The stream depends only on its configuration, never on the engine's answers (orders are named by
client order ids the stream chooses), so the same seed always yields the same commands and a
restarted run can skip the ones already journaled and carry on exactly where it stopped.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from liquidator.core.contracts.market import Market
from liquidator.core.exchange.commands import (
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
)
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce, WorkingType
from liquidator.core.margin.position import MarginType
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty, Rate

#: 2024-03-01 07:50 UTC: the first funding settlement falls ten minutes into a session.
DEFAULT_START_MS = 1_709_279_400_000
START_PRICES = {"BTCUSDT": 62_000 * SCALE, "ETHUSDT": 3_400 * SCALE}


@dataclass(frozen=True, slots=True)
class WorkloadConfig:
    seed: int = 7
    accounts: int = 50
    step_ms: int = 250
    start_ms: int = DEFAULT_START_MS
    deposit: int = 100_000 * SCALE  # USDT per account (every fourth: 2% of it)
    volatility_bps: int = 8  # per index move
    crash_bps: int = 0  # a flash crash: every index falls this much at once (0: none)
    crash_after: int = 2_000  # commands after the setup before the crash

    def __post_init__(self) -> None:
        if self.accounts < 1 or self.step_ms < 1 or self.deposit <= 0 or self.volatility_bps < 0:
            raise ValueError("accounts, step_ms and deposit must be positive")
        if not 0 <= self.crash_bps < 10_000 or self.crash_after < 0:
            raise ValueError("a crash falls by 0 to 99.99% after a non-negative count")


class Workload:
    """Yield ``(now_ms, command)`` pairs forever."""

    def __init__(self, market: Market, config: WorkloadConfig) -> None:
        self.config = config
        self.symbols = [s for s in ("BTCUSDT", "ETHUSDT") if s in market.instruments]
        if not self.symbols:
            raise ValueError("the market lists neither BTCUSDT nor ETHUSDT")
        self.market = market
        self.random = random.Random(config.seed)
        self.index = {s: START_PRICES[s] for s in self.symbols}
        self.sent = 0
        self.count = 0  # commands after the setup
        self.pending: list[Command] = []

    def __iter__(self) -> Iterator[tuple[int, Command]]:
        now = self.config.start_ms
        for command in self._setup():
            yield now, command
            now += self.config.step_ms
        while True:
            yield now, self._next()
            now += self.config.step_ms

    def _setup(self) -> Iterator[Command]:
        for symbol in self.symbols:
            yield SetIndexPrice(symbol, Price(self.index[symbol]))
        for number in range(self.config.accounts):
            name = f"trader-{number:04d}"
            yield OpenAccount(name)
            # every fourth trader is small: 2% of the deposit, so its orders run leveraged
            small = number % 4 == 3
            deposit = self.config.deposit // 50 if small else self.config.deposit
            yield Deposit(name, Amount(deposit, "USDT"))

    def _account(self) -> str:
        return f"trader-{self.random.randrange(self.config.accounts):04d}"

    def _next(self) -> Command:
        self.count += 1
        if self.config.crash_bps and self.count == self.config.crash_after:
            self.pending = [self._crash(symbol) for symbol in self.symbols]
        if self.pending:
            return self.pending.pop(0)
        roll = self.random.random()
        symbol = self.random.choice(self.symbols)
        if roll < 0.15:
            return self._move(symbol)
        if roll < 0.55:
            return self._limit(symbol)
        if roll < 0.70:
            return self._market(symbol)
        if roll < 0.88:
            return CancelOrder(self._account(), symbol, client_order_id=self._old_id())
        if roll < 0.95:
            return self._stop(symbol)
        if roll < 0.98:
            return SetLeverage(self._account(), symbol, self.random.choice((5, 10, 20, 50, 100)))
        kind = self.random.choice((MarginType.CROSS, MarginType.ISOLATED))
        return SetMarginType(self._account(), symbol, kind)

    def _move(self, symbol: str) -> Command:
        bps = self.random.gauss(0, self.config.volatility_bps)
        price = self.index[symbol] * (10_000 + round(bps)) // 10_000
        self.index[symbol] = max(price, SCALE)
        return SetIndexPrice(symbol, Price(self._tick(symbol, self.index[symbol])))

    def _crash(self, symbol: str) -> Command:
        """Drop ``symbol``'s index by ``crash_bps`` in one move."""
        price = self.index[symbol] * (10_000 - self.config.crash_bps) // 10_000
        self.index[symbol] = max(price, SCALE)
        return SetIndexPrice(symbol, Price(self._tick(symbol, self.index[symbol])))

    def _tick(self, symbol: str, price: int) -> int:
        tick = self.market.instruments[symbol].tick_size.raw
        return max(tick, price - price % tick)

    def _quantity(self, symbol: str) -> Qty:
        step = self.market.instruments[symbol].step_size.raw
        notional = self.random.choice((150, 500, 2_000, 10_000)) * SCALE
        quantity = notional * SCALE // self.index[symbol]
        return Qty(max(step, quantity - quantity % step))

    def _new_id(self) -> str:
        self.sent += 1
        return f"w{self.config.seed}-{self.sent}"

    def _old_id(self) -> str:
        return (
            f"w{self.config.seed}-{self.random.randint(max(1, self.sent - 50), max(1, self.sent))}"
        )

    def _side(self) -> Side:
        return Side.BUY if self.random.random() < 0.5 else Side.SELL

    def _limit(self, symbol: str) -> Command:
        side = self._side()
        offset = self.random.randint(1, 40)  # bps away from the index, on the passive side
        sign = -1 if side is Side.BUY else 1
        price = self._tick(symbol, self.index[symbol] * (10_000 + sign * offset) // 10_000)
        tif = self.random.choice(
            (TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTX, TimeInForce.IOC)
        )
        return PlaceOrder(
            self._account(),
            symbol,
            side,
            OrderType.LIMIT,
            quantity=self._quantity(symbol),
            price=Price(price),
            time_in_force=tif,
            client_order_id=self._new_id(),
        )

    def _market(self, symbol: str) -> Command:
        return PlaceOrder(
            self._account(),
            symbol,
            self._side(),
            OrderType.MARKET,
            quantity=self._quantity(symbol),
            client_order_id=self._new_id(),
            reduce_only=self.random.random() < 0.2,
        )

    def _stop(self, symbol: str) -> Command:
        side = self._side()
        distance = self.random.randint(20, 300)
        sign = 1 if side is Side.BUY else -1
        stop = self._tick(symbol, self.index[symbol] * (10_000 + sign * distance) // 10_000)
        if self.random.random() < 0.3:
            return PlaceOrder(
                self._account(),
                symbol,
                side,
                OrderType.TRAILING_STOP_MARKET,
                quantity=self._quantity(symbol),
                callback_rate=Rate.of("0.5"),
                client_order_id=self._new_id(),
            )
        return PlaceOrder(
            self._account(),
            symbol,
            side,
            OrderType.STOP_MARKET,
            stop_price=Price(stop),
            quantity=self._quantity(symbol),
            working_type=WorkingType.MARK_PRICE,
            client_order_id=self._new_id(),
        )
