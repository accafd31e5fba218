"""The captured book as a replay's liquidity: the ``@book`` account mirrors its levels.

``@book`` is a system account of the venue's (``OpenAccount(system=True)``: no margin check or
commission, never liquidated nor ranked for ADL), funded by a deposit like any other so funds
stay conserved. At each captured frame (``simulation/captured_book``, one a second) it is brought
to the frame's levels by ordinary engine commands, in this order: cancel the orders at prices the
frame no longer holds, amend those whose quantity changed (``AmendOrder``: same price, the new
quantity; an order partly filled since is cancelled and placed again instead), place post-only
(GTX) limits at the new prices. Liquidation orders, stops and the population trade against these
orders like any other; what they take stays taken until the next frame restores the level.

A captured level becomes an order by these rules (the venue's filters, stated once):

* price: a bid down to the tick, an ask up to the tick (never a better price than captured);
  levels that meet on one tick add up;
* quantity: ``quantity x scale`` (``--book-scale``, an exact decimal) down to the step, capped
  at LOT_SIZE's maxQty;
* left out: a level whose quantity is then under the step or minQty, or whose notional is under
  MIN_NOTIONAL (the venue refuses such an order; on Binance they are partly filled orders'
  residues), or that the venue refuses when it is placed (a post-only order that would take a
  resting order of another account, PERCENT_PRICE): counted in :attr:`BookMirror.refused`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import floor

from liquidator.core.contracts.instrument import Instrument
from liquidator.core.exchange.commands import (
    AmendOrder,
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
)
from liquidator.core.exchange.events import Event, OrderTraded, PositionLiquidated
from liquidator.core.exchange.orders import Order, OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import Venue
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty
from liquidator.simulation.captured_book import MAX_LEVELS, BookFrame

BOOK = "@book"
#: The ``@book`` wallet in each margin asset (whole units): enough for any captured book.
BOOK_CAPITAL = 10**12
DEFAULT_LEVELS = 20


@dataclass(frozen=True, slots=True)
class BookLiquidity:
    """How much of the captured book to mirror: its ``levels`` best prices a side, x ``scale``."""

    levels: int = DEFAULT_LEVELS
    scale: Fraction = Fraction(1)

    def __post_init__(self) -> None:
        if not 1 <= self.levels <= MAX_LEVELS:
            raise ValueError(f"book levels must be in 1..{MAX_LEVELS}, got {self.levels}")
        if not 0 < self.scale <= 1_000:
            raise ValueError(f"the book scale must be in (0, 1000], got {self.scale}")


def book_account_commands(assets: list[str]) -> list[Command]:
    """Open ``@book`` and fund it in each of ``assets``."""
    commands: list[Command] = [OpenAccount(BOOK, system=True)]
    commands += [Deposit(BOOK, Amount(BOOK_CAPITAL * SCALE, asset)) for asset in assets]
    return commands


def target_levels(
    levels: tuple[tuple[int, int], ...],
    side: Side,
    instrument: Instrument,
    config: BookLiquidity,
    min_notional16: int = 0,
) -> dict[int, int]:
    """Return ``{price raw: quantity raw}`` of the orders ``levels`` become (module rules).

    ``min_notional16``: MIN_NOTIONAL at the scale squared (``price x quantity`` raw), 0: none.
    """
    tick, step = instrument.tick_size.raw, instrument.step_size.raw
    merged: dict[int, int] = {}
    for price, quantity in levels[: config.levels]:
        on_tick = price - price % tick
        if side is Side.SELL and on_tick != price:
            on_tick += tick
        if on_tick > 0:
            merged[on_tick] = merged.get(on_tick, 0) + quantity
    wanted: dict[int, int] = {}
    largest = instrument.filters.max_qty or None
    for price, quantity in merged.items():
        scaled = floor(quantity * config.scale / step) * step
        if largest is not None:
            scaled = min(scaled, largest - largest % step)
        if scaled < max(step, instrument.min_qty.raw) or scaled * price < min_notional16:
            continue
        wanted[price] = scaled
    return wanted


@dataclass(frozen=True, slots=True)
class BookFill:
    """One fill of a ``@book`` order: who took it (``taker``), at what price and quantity;
    ``liquidation``: the taker was liquidated by the same command (its forced order's fill)."""

    ts_ms: int
    symbol: str
    side: str  # the ``@book`` order's
    price: int
    quantity: int
    taker: str
    liquidation: bool


class BookMirror:
    """Bring ``@book``'s orders to each frame; count what the venue refused; keep its fills."""

    def __init__(self, config: BookLiquidity) -> None:
        self.config = config
        self.frames = 0  # frames mirrored
        self.refused = 0  # orders or amendments the venue refused
        self.fills: list[BookFill] = []

    def record(self, events: list[Event]) -> None:
        """Keep the fills of ``@book``'s orders among ``events``, each with its taker."""
        ours: list[OrderTraded] = []
        takers: dict[int, str] = {}
        liquidated: set[str] = set()
        for event in events:
            if isinstance(event, OrderTraded):
                if event.account == BOOK:
                    ours.append(event)
                else:
                    takers[event.trade_id] = event.account
            elif isinstance(event, PositionLiquidated):
                liquidated.add(event.account)
        for e in ours:
            taker = takers.get(e.trade_id, "")
            fill = BookFill(
                e.ts_ms, e.symbol, e.side, e.price, e.quantity, taker, taker in liquidated
            )
            self.fills.append(fill)

    def commands(self, venue: Venue, frame: BookFrame) -> list[Command]:
        """Return the cancels, amendments and placements that bring ``@book`` to ``frame``."""
        state = venue.symbols[frame.symbol]
        wanted = {
            side: target_levels(levels, side, state.instrument, self.config, state.min_notional16)
            for side, levels in ((Side.BUY, frame.bids), (Side.SELL, frame.asks))
        }
        held = venue.accounts[BOOK].symbols.get(frame.symbol)
        orders = sorted(held.orders.values(), key=_order_id) if held is not None else []
        self.frames += 1
        return _reconcile(frame.symbol, orders, wanted)


def _reconcile(
    symbol: str, orders: list[Order], wanted: dict[Side, dict[int, int]]
) -> list[Command]:
    """Return what turns ``orders`` into one order per wanted level: cancels (a price no longer
    wanted, a second order at a price, one partly filled whose quantity changed), then amends
    (a quantity changed), then placements (a new price), best price first."""
    cancels: list[Command] = []
    amends: list[Command] = []
    kept: set[tuple[Side, int]] = set()
    for order in orders:
        key = (order.side, order.price)
        quantity = wanted[order.side].get(order.price)
        if quantity is None or key in kept or (order.executed and order.remaining != quantity):
            cancels.append(CancelOrder(BOOK, symbol, order.order_id))
            continue
        kept.add(key)
        if order.remaining != quantity:
            amends.append(
                AmendOrder(BOOK, symbol, Price(order.price), Qty(quantity), order.order_id)
            )
    places: list[Command] = [
        _limit(symbol, side, price, quantity)
        for side in (Side.BUY, Side.SELL)
        for price, quantity in sorted(wanted[side].items(), reverse=side is Side.BUY)
        if (side, price) not in kept
    ]
    return cancels + amends + places


def _order_id(order: Order) -> int:
    return order.order_id


def _limit(symbol: str, side: Side, price: int, quantity: int) -> PlaceOrder:
    return PlaceOrder(
        BOOK, symbol, side, OrderType.LIMIT, Qty(quantity), Price(price), TimeInForce.GTX
    )
