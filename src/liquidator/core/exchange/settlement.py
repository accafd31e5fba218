"""Settle one side of a fill: the position, realized PnL, commission and isolated margin.

A fill of signed quantity ``d`` at price ``P`` against a position ``(Q, C)``, where ``C`` is the
position's cost in 10**-16 units of the margin asset: ``sum(qty * price)`` exactly for a linear
contract, ``sum(qty * CS / price)`` coin for an inverse one, each term rounded down
(``IntTiers.value16``):

* opening (``Q == 0`` or same sign): ``Q += d``, ``C += value16(d, P)``;
* closing ``c = min(|d|, |Q|)``: linear, the cost removed is ``ceil(C * c / |Q|)`` and the
  realized PnL ``floor((sign(Q) * c * P - removed) / 10**8)``; inverse, the cost removed is
  ``floor(C * c / |Q|)`` and the PnL ``floor((removed - ceil(sign(Q) * c * CS / P)) / 10**8)``
  (``q * CS * (1/E - 1/P)``): every rounding goes against the account; the clearing account
  ``@settlement`` books the other side, so no money appears or vanishes;
* whatever of ``d`` is left after a close opens the other way (one-way mode flips).

Commission ``ceil(notional * rate)`` (notional ``|d| * P``, or ``ceil(|d| * CS / P)`` coin) goes
from the cross wallet to ``@fees``; the venue's own orders (liquidation, ADL, insurance fund)
pay none. A LIQUIDATION order leaves the isolated wallet where it is: the waterfall charges the
clearance fee from it first and settles it after. An isolated position receives
``ceil(opened notional / leverage)`` from the cross wallet when it opens, keeps its realized
PnL, and hands back ``floor(wallet * c / |Q|)`` when it closes ``c`` (everything when flat).
"""

from __future__ import annotations

from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.events import Event, OrderTraded, PositionChanged
from liquidator.core.exchange.ledger import FEES, SETTLEMENT, EntryKind
from liquidator.core.exchange.orders import Order, OrderType, Side, is_venue_only
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import MarginType
from liquidator.core.margin.unit import IntTiers
from liquidator.core.money.scaled import SCALE, ceil_div, floor_scaled


def settle_fill(
    venue: Venue,
    account: AccountState,
    order: Order,
    quantity: int,
    price: int,
    *,
    maker: bool,
    trade_id: int,
    out: list[Event],
) -> None:
    """Apply ``quantity`` of ``order`` filled at ``price`` to the account; append the events."""
    state = venue.symbols[order.symbol]
    seat = account.symbol(order.symbol)  # one lookup: the position and the margin type
    position = seat.position(order.position_side)
    if position is None:
        position = account.position(order.symbol, order.position_side)  # the first fill
    isolated = seat.margin_type is MarginType.ISOLATED  # ``account.is_isolated``
    delta = quantity if order.side is Side.BUY else -quantity  # not ``side.sign``: a property call
    before = position.quantity
    tiers = state.tiers
    traded16 = quantity * price  # one big product, read three times for a linear contract
    closed, realized16 = _apply(position, delta, price, tiers, traded16)
    realized = floor_scaled(realized16)
    opened = quantity - closed
    notional16 = traded16 if tiers.coin16 == 0 else tiers.notional16(quantity, price)
    order.executed += quantity
    order.cum_quote += traded16  # sum(qty * price), inverse too (``Order.cum_quote``)
    order.updated_ms = venue.now_ms
    commission = (  # ``pretrade.fee`` at the venue's rate
        0
        if account.is_system or is_venue_only(order.type)
        else (venue.maker_fee if maker else venue.taker_fee).of(notional16)
    )
    asset = state.instrument.margin_asset
    ledger, now, name, symbol = venue.ledger, venue.now_ms, account.account, order.symbol
    wallet = position.ledger_key if isolated else name
    if realized:
        out.append(
            ledger.transfer(
                EntryKind.REALIZED_PNL,
                asset,
                SETTLEMENT,
                wallet,
                realized,
                account=name,
                symbol=symbol,
                ref=trade_id,
                ts_ms=now,
            )
        )
    if commission:
        out.append(
            ledger.transfer(
                EntryKind.COMMISSION,
                asset,
                name,
                FEES,
                commission,
                account=name,
                symbol=symbol,
                ref=trade_id,
                ts_ms=now,
            )
        )
    if isolated and order.type is not OrderType.LIQUIDATION:
        _move_isolated_margin(venue, account, position, before, closed, opened, price, out)
    _track_holder(state, account, position)
    out.append(
        OrderTraded(
            name,
            symbol,
            order.order_id,
            trade_id,
            "BUY" if order.side is Side.BUY else "SELL",  # ``value(order.side)``
            order.position_side,
            price,
            quantity,
            commission,
            asset,
            realized,
            maker,
            order.executed,
            order.cum_quote,
            now,
        )
    )
    out.append(_position_event(venue, account, position, isolated, asset))


def _apply(
    position: PositionState, delta: int, price: int, tiers: IntTiers, traded16: int = -1
) -> tuple[int, int]:
    """Apply a signed fill to ``position``; return (closed quantity, realized PnL in 10**-16).

    ``traded16``: ``|delta| * price`` when the caller has it (-1: worked out here).
    """
    if tiers.coin16:
        return _apply_inverse(position, delta, price, tiers)
    quantity = position.quantity
    if quantity == 0 or (quantity > 0) == (delta > 0):
        position.quantity = quantity + delta
        if traded16 < 0:
            traded16 = abs(delta) * price
        if delta > 0:  # ``cost += delta * price``
            position.cost += traded16
        else:
            position.cost -= traded16
        return 0, 0
    size = abs(quantity)
    closed = min(abs(delta), size)
    removed = ceil_div(position.cost * closed, size)
    sign = 1 if quantity > 0 else -1
    realized16 = sign * closed * price - removed
    position.cost -= removed
    position.quantity = quantity - sign * closed
    rest = abs(delta) - closed
    if rest:
        position.quantity -= sign * rest
        position.cost -= sign * rest * price
    return closed, realized16


def _apply_inverse(
    position: PositionState, delta: int, price: int, tiers: IntTiers
) -> tuple[int, int]:
    """``_apply`` for an inverse contract: the cost is coin, and PnL is ``cost - value``."""
    quantity = position.quantity
    if quantity == 0 or (quantity > 0) == (delta > 0):
        position.quantity = quantity + delta
        position.cost += tiers.value16(delta, price)
        return 0, 0
    size = abs(quantity)
    closed = min(abs(delta), size)
    removed = position.cost * closed // size
    sign = 1 if quantity > 0 else -1
    realized16 = tiers.pnl16(sign * closed, removed, price)
    position.cost -= removed
    position.quantity = quantity - sign * closed
    rest = abs(delta) - closed
    if rest:
        position.quantity -= sign * rest
        position.cost += tiers.value16(-sign * rest, price)
    return closed, realized16


def _move_isolated_margin(
    venue: Venue,
    account: AccountState,
    position: PositionState,
    before: int,
    closed: int,
    opened: int,
    price: int,
    out: list[Event],
) -> None:
    """Release margin of the closed part to the cross wallet; fund the opened part from it."""
    asset = venue.symbols[position.symbol].instrument.margin_asset
    ledger, name, key = venue.ledger, account.account, position.ledger_key
    now, symbol = venue.now_ms, position.symbol
    if closed:
        balance = ledger.balance(key, asset)
        release = balance if closed == abs(before) else balance * closed // abs(before)
        if release:
            out.append(
                ledger.transfer(
                    EntryKind.ISOLATED_MARGIN,
                    asset,
                    key,
                    name,
                    release,
                    account=name,
                    symbol=symbol,
                    ts_ms=now,
                )
            )
    if opened:
        notional16 = venue.symbols[symbol].tiers.notional16(opened, price)
        margin = ceil_div(notional16, SCALE * account.leverage_of(symbol))
        out.append(
            ledger.transfer(
                EntryKind.ISOLATED_MARGIN,
                asset,
                name,
                key,
                margin,
                account=name,
                symbol=symbol,
                ts_ms=now,
            )
        )


def _track_holder(state: SymbolState, account: AccountState, position: PositionState) -> None:
    key = (account.account, position.side)
    if position.quantity:
        state.holders[key] = position.quantity
    else:
        state.holders.pop(key, None)


def _position_event(
    venue: Venue, account: AccountState, position: PositionState, isolated: bool, asset: str
) -> PositionChanged:
    wallet = venue.ledger.balance(position.ledger_key, asset) if isolated else 0
    margin_type = MarginType.ISOLATED if isolated else MarginType.CROSS
    return PositionChanged(
        account.account,
        position.symbol,
        position.side,
        position.quantity,
        position.cost,
        wallet,
        margin_type,
        venue.now_ms,
    )


def position_event(venue: Venue, account: AccountState, position: PositionState) -> PositionChanged:
    """Return the event describing ``position`` as it is now."""
    isolated = account.is_isolated(position.symbol)
    asset = venue.symbols[position.symbol].instrument.margin_asset
    return _position_event(venue, account, position, isolated, asset)
