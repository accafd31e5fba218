"""Live margin figures of an account and the pre-trade check of a new order.

Units: quantities and prices are raw (10**-8); ``*16`` values are exact products ``qty * price``
in 10**-16 units. Rounding goes against the account: requirements (initial margin, fees) up,
unrealized PnL down.

* position initial margin = ``ceil(|qty| * mark / leverage)``
* open-order initial margin, one-way mode: the side whose fills would open more, after the
  opposite position absorbs what they close: ``max(buy excess, sell excess) / leverage``;
  hedge mode: every opening order counts.
* available balance = cross wallet + cross unrealized PnL - cross position IM - open-order IM
  (isolated symbols' orders included: their margin comes from the cross wallet when they fill).
* max withdrawal = ``min(cross wallet, available counting no unrealized profit)``, at least 0.
"""

from __future__ import annotations

from math import gcd
from typing import Final

from mypy_extensions import mypyc_attr

from liquidator.core.exchange.account_state import AccountState, AccountSymbol, PositionState
from liquidator.core.exchange.orders import Side
from liquidator.core.exchange.venue import Venue
from liquidator.core.margin.position import MarginType
from liquidator.core.margin.unit import IntTiers
from liquidator.core.money.scaled import SCALE2, ceil_div, ceil_scaled_div, floor_scaled


def fee(cost16: int, rate: int) -> int:
    """Return the commission on a notional of ``cost16``: ``ceil(notional * rate)`` (raw).

    ``ceil(cost16 * rate / 10**16)`` with the fraction ``rate / 10**16`` in lowest terms: for
    Binance's rates (0.02%, 0.05%: 1 / 5e11, 1 / 2e11) the big product disappears.
    """
    reduced = _REDUCED_RATES.get(rate)
    if reduced is None:
        common = gcd(rate, SCALE2)
        reduced = _REDUCED_RATES[rate] = (rate // common, SCALE2 // common)
    numerator, divisor = reduced
    if numerator == 1:
        return (cost16 + (divisor - 1)) // divisor
    return (cost16 * numerator + (divisor - 1)) // divisor


# rate -> (rate, 10**16) divided by their greatest common divisor (a pure function's cache)
_REDUCED_RATES: Final[dict[int, tuple[int, int]]] = {}


def unrealized(position: PositionState, mark: int, tiers: IntTiers) -> int:
    """Return the unrealized PnL at ``mark`` (raw, a credit: rounded down; ``IntTiers.pnl16``)."""
    return floor_scaled(tiers.pnl16(position.quantity, position.cost, mark))


def position_initial_margin(
    position: PositionState, mark: int, leverage: int, tiers: IntTiers
) -> int:
    """Return ``ceil(notional at the mark / leverage)`` (raw; ``IntTiers.notional16``)."""
    return _margin(tiers.notional16(abs(position.quantity), mark), leverage)


def _margin(notional16: int, leverage: int) -> int:
    """``position_initial_margin`` from the position's notional at the mark (10**-16)."""
    return ceil_scaled_div(notional16, leverage)


def _notional16(tiers: IntTiers, size: int, mark: int) -> int:
    return size * mark if tiers.coin16 == 0 else tiers.notional16(size, mark)


def open_order_cost(account: AccountState, orders: AccountSymbol) -> int:
    """Return the notional (10**-16) the account's open orders in a symbol could add."""
    if account.hedge:
        return orders.buy_cost + orders.sell_cost
    _, buy, sell = _one_way_excesses(
        orders, orders.buy_qty, orders.buy_cost, orders.sell_qty, orders.sell_cost
    )
    return max(buy, sell)


def _one_way_excesses(
    orders: AccountSymbol, buy_qty: int, buy_cost: int, sell_qty: int, sell_cost: int
) -> tuple[int, int, int]:
    """Return (position quantity, buy excess cost, sell excess cost) in one-way mode, for
    open orders of these totals against the symbol's position."""
    position = orders.both
    quantity = position.quantity if position is not None else 0
    buy = _excess(buy_qty, buy_cost, max(0, -quantity))
    sell = _excess(sell_qty, sell_cost, max(0, quantity))
    return quantity, buy, sell


def _excess(total_qty: int, total_cost: int, absorbed: int) -> int:
    """Return the cost of the part of ``total_qty`` beyond ``absorbed`` (pro rata, rounded up)."""
    if total_qty <= absorbed:
        return 0
    if absorbed == 0:  # nothing to close: all of it (the general case, exactly)
        return total_cost
    return ceil_div(total_cost * (total_qty - absorbed), total_qty)


def open_order_margin(account: AccountState, orders: AccountSymbol) -> int:
    """Return the initial margin held by the open ``orders`` of a symbol (raw, rounded up)."""
    cost = open_order_cost(account, orders)
    return ceil_scaled_div(cost, orders.leverage_or_default()) if cost else 0


@mypyc_attr(acyclic=True, free_list_len=1)
class CrossFigures:
    """The cross-margin figures of one account in one margin asset."""

    __slots__ = ("order_margin", "position_margin", "unrealized", "unrealized_loss", "wallet")

    def __init__(self, wallet: int) -> None:
        self.wallet = wallet
        self.unrealized = 0
        self.unrealized_loss = 0
        self.position_margin = 0
        self.order_margin = 0

    @property
    def available(self) -> int:
        return self.wallet + self.unrealized - self.position_margin - self.order_margin

    @property
    def max_withdraw(self) -> int:
        free = self.wallet + self.unrealized_loss - self.position_margin - self.order_margin
        return max(0, min(self.wallet, free))


def cross_figures(
    venue: Venue, account: AccountState, asset: str, *, orders_except: str = ""
) -> CrossFigures:
    """Return the account's cross figures in ``asset``.

    ``orders_except`` leaves out the open-order margin of that symbol (the pre-trade check
    works it out itself, before and after the new order).
    """
    result = CrossFigures(venue.ledger.balance(account.account, asset))
    symbols = venue.symbols
    for symbol, seat in account.symbols.items():  # one object per symbol: positions, orders
        state = symbols[symbol]
        if state.instrument.margin_asset != asset:
            continue
        if seat.margin_type is not MarginType.ISOLATED:
            mark, leverage, tiers = state.mark_price, seat.leverage_or_default(), state.tiers
            if seat.both is not None and seat.both.quantity:
                _add_position(result, seat.both, mark, leverage, tiers)
            if seat.long is not None and seat.long.quantity:
                _add_position(result, seat.long, mark, leverage, tiers)
            if seat.short is not None and seat.short.quantity:
                _add_position(result, seat.short, mark, leverage, tiers)
        if (seat.buy_qty or seat.sell_qty) and symbol != orders_except:
            result.order_margin += open_order_margin(account, seat)
    return result


def _add_position(
    result: CrossFigures, position: PositionState, mark: int, leverage: int, tiers: IntTiers
) -> None:
    """Add ``unrealized`` and ``position_initial_margin`` of ``position``.

    Linear: from one product ``qty * mark`` (the hot path).
    """
    quantity = position.quantity
    if tiers.coin16:
        pnl = floor_scaled(tiers.pnl16(quantity, position.cost, mark))
        notional16 = tiers.notional16(abs(quantity), mark)
    else:
        notional16 = quantity * mark
        pnl = floor_scaled(notional16 - position.cost)
        notional16 = abs(notional16)
    result.unrealized += pnl
    result.unrealized_loss += min(pnl, 0)
    result.position_margin += _margin(notional16, leverage)


def projected_cost(account: AccountState, orders: AccountSymbol, mark: int, tiers: IntTiers) -> int:
    """Return the largest position notional (10**-16) the symbol could reach if orders fill."""
    return exposure(account, orders, mark, tiers)[1]


def exposure(
    account: AccountState,
    orders: AccountSymbol,
    mark: int,
    tiers: IntTiers,
    side: Side | None = None,
    quantity: int = 0,
    cost: int = 0,
) -> tuple[int, int]:
    """Return ``(open_order_cost, projected_cost)`` of the symbol in one pass (10**-16 each).

    ``side``/``quantity``/``cost``: a new order counted with the open ones (the pre-trade check
    of that order), without adding it to them.
    """
    buy_qty, buy_cost, sell_qty, sell_cost = (
        orders.buy_qty,
        orders.buy_cost,
        orders.sell_qty,
        orders.sell_cost,
    )
    if side is Side.BUY:
        buy_qty, buy_cost = buy_qty + quantity, buy_cost + cost
    elif side is Side.SELL:
        sell_qty, sell_cost = sell_qty + quantity, sell_cost + cost
    if account.hedge:
        long, short = orders.long, orders.short
        long_qty = long.quantity if long is not None else 0
        short_qty = -short.quantity if short is not None else 0
        projected = max(
            _notional16(tiers, long_qty, mark) + buy_cost if long_qty else buy_cost,
            _notional16(tiers, short_qty, mark) + sell_cost if short_qty else sell_cost,
        )
        return buy_cost + sell_cost, projected
    held, buy, sell = _one_way_excesses(orders, buy_qty, buy_cost, sell_qty, sell_cost)
    linear = tiers.coin16 == 0  # ``IntTiers.notional16`` inline for linear: the hot path
    # the position's side adds its notional (no ``0 * mark``: a product with an operand past
    # 2**30 leaves the machine word in compiled code, even when it is zero)
    if held > 0:
        projected = max((held * mark if linear else tiers.notional16(held, mark)) + buy, sell)
    elif held < 0:
        projected = max(buy, (-held * mark if linear else tiers.notional16(-held, mark)) + sell)
    else:
        projected = max(buy, sell)
    return max(buy, sell), projected
