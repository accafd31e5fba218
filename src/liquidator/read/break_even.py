"""A position's break-even price: where closing it nets zero after the fees of its life.

``breakEvenPrice`` (``positionRisk``, the user stream's ``bep``) is the price ``P`` at which
closing the whole position with a taker order leaves its life (its fills since it was last
flat) at zero: the realized PnL of its partial closes ``R``, the commissions it paid ``F`` and
the closing taker fee at the taker rate ``t``, funding left out as Binance leaves it out::

    linear   R + q x (P - E) - F - t x |q| x P = 0
             ->  P = (q x E + F - R) / (q x (1 - s x t))
    inverse  R + CS x q x (1/E - 1/P) - F - t x CS x |q| / P = 0
             ->  P = CS x q x (1 + s x t) / (CS x q / E + R - F)

with ``q`` signed (``s`` its sign), ``q x E`` the position's cost (``PositionState.cost``, 10^-16)
and ``CS x q / E`` an inverse one's. Rounded against the account: a long's up, a short's down,
to 10^-8 (closing at the rounded price nets at least zero). ``0`` when no price breaks even (the
fees and losses of a long beyond what any price could earn back on an inverse contract, or a
short's beyond its entry value). Worked example: docs/formulas.md, "Break-even price".

The fills are the order history's (:class:`OrderHistory`): the unwritten ones in memory, then
the store's, newest first, until the fill that opened the position (from flat, or the share of
a fill that flipped it, its commission pro rata, rounded up), or until the fill its last answer
ended at (``Life``, kept per order history): a long life is walked once, then only its news.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple
from weakref import WeakKeyDictionary

from liquidator.core.exchange.account_state import PositionState
from liquidator.core.exchange.venue import Venue
from liquidator.core.money.scaled import SCALE, Rounding, ceil_div, divide_signed
from liquidator.read.history_filter import Window
from liquidator.read.order_history import Fill, OrderHistory

_FIRST_PAGE = 32  # fills read at first (most positions have fewer); then 16 times as many


class Life(NamedTuple):
    """A position's life up to one of its fills: that fill, the position after it, its costs."""

    fill: tuple[int, int]  # (trade id, order id)
    held: int
    fees: int
    realized: int


_KNOWN: WeakKeyDictionary[OrderHistory, dict[tuple[str, str, str], Life]] = WeakKeyDictionary()


def break_even_price(venue: Venue, orders: OrderHistory, account: str, p: PositionState) -> int:
    """Return ``p``'s break-even price (raw; 0 when flat or when no price breaks even)."""
    if not p.quantity:
        return 0
    known = _KNOWN.setdefault(orders, {})
    key = (account, p.symbol, p.side.value)
    life = walk(_newest_first(orders, account, p.symbol), p.side.value, p.quantity, known.get(key))
    if life is None:
        fees = realized = 0
    else:
        known[key] = life
        fees, realized = life.fees, life.realized
    tiers = venue.symbols[p.symbol].tiers
    return price_of(p.quantity, p.cost, fees - realized, venue.config.fees.taker_rate, tiers.coin16)


def price_of(quantity: int, cost16: int, net_cost: int, taker_rate: int, coin16: int) -> int:
    """Return the break-even price of ``quantity`` held at ``cost16`` (10^-16), its life having
    cost ``net_cost`` (raw: fees less realized PnL), closed at ``taker_rate`` (raw).

    ``coin16`` is the inverse contract's size (``IntTiers.coin16``), 0 for a linear one.
    """
    sign = 1 if quantity > 0 else -1
    rounding = Rounding.CEILING if sign > 0 else Rounding.FLOOR
    if coin16:
        numerator = quantity * coin16 * (SCALE + sign * taker_rate)
        denominator = SCALE * (cost16 - net_cost * SCALE)
    else:
        numerator = (cost16 + net_cost * SCALE) * SCALE
        denominator = quantity * (SCALE - sign * taker_rate)
    if denominator == 0 or (numerator > 0) != (denominator > 0):
        return 0
    return divide_signed(numerator, denominator, rounding)


def life_costs(fills_newest_first: Iterable[Fill], side: str, quantity: int) -> tuple[int, int]:
    """Return the commissions and the realized PnL (raw) of the position now ``quantity`` on
    ``side``, from its fills (newest first) back to the one that opened it."""
    life = walk(fills_newest_first, side, quantity, None)
    return (0, 0) if life is None else (life.fees, life.realized)


def walk(
    fills_newest_first: Iterable[Fill], side: str, quantity: int, known: Life | None
) -> Life | None:
    """Return the life of the position now ``quantity`` on ``side``, its fills walked newest
    first back to its opening, or to ``known``'s fill if the position after it was ``known``'s
    (its costs then taken from there); None if it has no fill."""
    fees = realized = 0
    held = quantity  # the position after the fill looked at
    newest: tuple[int, int] | None = None
    for fill in fills_newest_first:
        if fill.position_side != side:
            continue
        marker = (fill.trade_id, fill.order_id)
        newest = newest or marker
        if known is not None and marker == known.fill and held == known.held:
            return Life(newest, quantity, fees + known.fees, realized + known.realized)
        before = held - (fill.quantity if fill.side == "BUY" else -fill.quantity)
        if before == 0 or (before > 0) != (held > 0):  # it opened the position, or flipped it
            share = ceil_div(fill.commission * abs(held), fill.quantity)
            return Life(newest, quantity, fees + share, realized)
        fees += fill.commission
        realized += fill.realized_pnl
        held = before
    # a history that does not reach the opening: what it holds
    return None if newest is None else Life(newest, quantity, fees, realized)


def _newest_first(orders: OrderHistory, account: str, symbol: str) -> Iterator[Fill]:
    """Yield ``account``'s fills in ``symbol``, newest first: the unwritten, then the store's."""
    for fill in reversed(orders.new_fills):
        if fill.account == account and fill.symbol == symbol:
            yield fill
    seen, limit = 0, _FIRST_PAGE
    while True:
        page = orders.store.fills(account, symbol, Window(limit=limit), from_id=None)
        yield from reversed(page[: len(page) - seen])
        if len(page) < limit:
            return
        seen, limit = len(page), limit * 16
