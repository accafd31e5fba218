"""A market that trades by itself: background takers sending orders through the engine.

``serve --flow calm|busy|none|N`` (trades a minute per symbol; ``calm`` by default) runs one
taker account, :data:`FLOW_ACCOUNT`, a system account of the venue's
(``OpenAccount(system=True)``: no key acts for it, no margin check or commission, never
liquidated nor in the ADL ranking, left out of the venue's position views), funded by a deposit
(funds stay conserved: the deposit comes from ``@external`` like any other), that sends market
orders and, one time in four, IOC limit orders at the touch, on every linear symbol whose book
has both sides. Each order is an ordinary journaled command: a restart replays it, the ledger
stays balanced, the state hash holds; trades, aggTrades, klines, the 24 h ticker and open
interest count them.

**As busy as the market.** The rate and the orders' size are as asked when the symbol's realised
volatility (the market maker's estimate of the mean move of the mark) is ``reference_centi_bps``
(4 bps: the default walk's), scaled with it within [0.5, 3] times; a symbol without an order
for ``quiet_slots`` slots gets one anyway (at least one trade a minute, however calm).

**Deterministic.** Time is cut into slots of ``tick_ms``; a slot's decisions come from a
generator seeded by ``(seed, symbol, slot)`` and from the venue's state, so the same seed and
clock give the same orders. A slot is acted on once (a simulated clock that stands still
trades nothing more).

**Bounded.** The side leans against the flow's own position (a buy is likelier when it is
short) and flips when an order would take the position's notional past ``max_notional``: the
account's position stays bounded. Its wallet is topped up when it falls under half the
deposit (its trading losses drain it slowly).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from liquidator.core.exchange.commands import Command, Deposit, OpenAccount, PlaceOrder
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty

FLOW_ACCOUNT = "@flow"
PRESETS = {"none": 0.0, "calm": 6.0, "busy": 60.0}  # trades a minute, per symbol
MAX_RATE = 6_000.0  # 100 a second per symbol: beyond it the flow is a load test, not a market
LIMIT_SHARE = 0.25  # the share of IOC limit orders at the touch


class FlowError(ValueError):
    """A ``--flow`` value that is neither a preset nor a rate."""


def parse_flow(text: str) -> float:
    """Return the trades a minute per symbol that ``text`` asks for (a preset or a number)."""
    word = text.strip().lower()
    if word in PRESETS:
        return PRESETS[word]
    try:
        rate = float(word) if word.replace(".", "", 1).isdigit() else math.nan
    except ValueError:
        rate = math.nan
    if not 0 <= rate <= MAX_RATE:
        raise FlowError(
            f"{text!r}: expected none, calm, busy or trades a minute in 0..{MAX_RATE:g}"
        )
    return rate


@dataclass(frozen=True, slots=True)
class FlowConfig:
    """How much the flow trades, and how big it may get."""

    trades_per_minute: float = PRESETS["calm"]
    seed: int = 7
    account: str = FLOW_ACCOUNT
    notional: int = 2_000  # mean notional of one order, in the margin asset
    max_notional: int = 100_000  # the flow's position cap per symbol, in the margin asset
    deposit: int = 1_000_000  # its wallet per margin asset, topped up under half of it
    tick_ms: int = 1_000  # a slot
    reference_centi_bps: int = 400  # the realised volatility at which the rate is as asked
    quiet_slots: int = 55  # slots without an order after which a symbol gets one anyway


@dataclass
class Flow:
    """The orders of the background takers, slot by slot."""

    config: FlowConfig
    last_slot: int | None = None
    last_order_slot: dict[str, int] = field(default_factory=dict)  # per symbol

    def setup(self, venue: Venue) -> list[Command]:
        """Return what opens and funds the flow's account (nothing once it is funded)."""
        commands: list[Command] = []
        name = self.config.account
        if name not in venue.accounts:
            commands.append(OpenAccount(name, system=True))
        for asset in sorted({s.instrument.margin_asset for s in _linear(venue)}):
            balance = venue.ledger.balance(name, asset) if name in venue.accounts else 0
            wanted = self.config.deposit * SCALE
            if balance < wanted // 2:
                commands.append(Deposit(name, Amount(wanted - balance, asset)))
        return commands

    def orders(self, venue: Venue, now_ms: int) -> list[PlaceOrder]:
        """Return this slot's orders (none if the slot was acted on already)."""
        slot = now_ms // self.config.tick_ms
        if self.config.trades_per_minute <= 0 or slot == self.last_slot:
            return []
        self.last_slot = slot
        found = []
        for state in _linear(venue):
            symbol = state.instrument.symbol
            rng = random.Random(f"{self.config.seed}:{symbol}:{slot}")
            scale = self._scale(state)
            chance = self.config.trades_per_minute * self.config.tick_ms / 60_000 * scale
            count = int(chance) + (rng.random() < chance - int(chance))
            quiet = slot - self.last_order_slot.setdefault(symbol, slot)
            if quiet >= self.config.quiet_slots:
                count = max(count, 1)  # at least one trade a minute, however calm
            for _ in range(count):
                order = self._order(venue, state, rng, scale)
                if order is not None:
                    found.append(order)
                    self.last_order_slot[symbol] = slot
        return found

    def _scale(self, state: SymbolState) -> float:
        """How busy the market is: realised volatility over the reference, within [0.5, 3]."""
        ratio = state.volatility.centi_bps / self.config.reference_centi_bps
        return min(3.0, max(0.5, ratio))

    def _order(
        self, venue: Venue, state: SymbolState, rng: random.Random, scale: float
    ) -> PlaceOrder | None:
        """One taker order of a log-normal notional, leaning against the flow's position."""
        bid, ask, mark = state.book.best_bid(), state.book.best_ask(), state.mark_price
        if bid is None or ask is None or mark <= 0:
            return None
        held = self._position(venue, state.instrument.symbol)
        cap = self.config.max_notional * SCALE * SCALE // mark  # raw qty at the cap
        side = (
            Side.BUY if rng.random() < 0.5 - 0.45 * max(-1.0, min(1.0, held / cap)) else Side.SELL
        )
        quantity = self._quantity(state, mark, rng, scale)
        signed = quantity if side is Side.BUY else -quantity
        if abs(held + signed) > cap:  # past the cap: the side that brings it back
            side = Side.SELL if held + signed > 0 else Side.BUY
        symbol = state.instrument.symbol
        if rng.random() < LIMIT_SHARE:
            price = ask if side is Side.BUY else bid
            return PlaceOrder(
                self.config.account,
                symbol,
                side,
                OrderType.LIMIT,
                quantity=Qty(quantity),
                price=Price(price),
                time_in_force=TimeInForce.IOC,
            )
        return PlaceOrder(
            self.config.account, symbol, side, OrderType.MARKET, quantity=Qty(quantity)
        )

    def _quantity(self, state: SymbolState, mark: int, rng: random.Random, scale: float) -> int:
        """A log-normal notional (sigma 0.6, mean ``notional x scale``) as raw qty, up to the
        step, at least the minimum quantity and notional."""
        notional = self.config.notional * scale * rng.lognormvariate(-0.18, 0.6)
        quantity = int(notional * SCALE) * SCALE // mark
        least = -(-state.min_notional16 // mark) if state.min_notional16 else 0  # raw qty
        quantity = max(quantity, least, state.min_qty)
        return -(-quantity // state.step) * state.step  # up to the step: never under a minimum

    def _position(self, venue: Venue, symbol: str) -> int:
        account = venue.accounts.get(self.config.account)
        if account is None:
            return 0
        position = account.find_position(symbol, PositionSide.BOTH)
        return position.quantity if position is not None else 0


def _linear(venue: Venue) -> list[SymbolState]:
    return [s for _, s in sorted(venue.symbols.items()) if not s.instrument.is_inverse]


async def run_flow(
    flow: Flow,
    venue: Callable[[], Venue],
    now_ms: Callable[[], int],
    submit: Callable[[Command], object],
) -> None:
    """Fund the flow's account, then send each slot's orders through ``submit``, forever."""
    if flow.config.trades_per_minute <= 0:
        return
    for command in flow.setup(venue()):
        submit(command)
    while True:
        await asyncio.sleep(flow.config.tick_ms / 1000)
        for order in flow.orders(venue(), now_ms()):
            submit(order)
        for command in flow.setup(venue()):  # a top-up, rarely
            submit(command)
