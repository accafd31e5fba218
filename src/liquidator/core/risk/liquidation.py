"""The liquidation waterfall of one breached margin unit (binance-mechanics §6-8).

1. **Cancel** the unit's open orders (cross: every symbol of its asset; isolated: the symbol),
   expired with ``er`` 5, and re-check.
2. **Partial liquidation** (our reading of a protocol Binance does not publish in full): while
   the unit is breached and its largest position sits above the first bracket, reduce that
   position with one IOC order by the least quantity (whole steps) that would leave the unit
   compliant, assuming the fill at the mark and counting the clearance fee, but by no more than
   brings its notional below the current bracket's floor (one bracket at a time). A step that
   cannot restore compliance is taken only if it improves ``margin balance - maintenance``,
   i.e. the bracket's maintenance rate exceeds the liquidation fee rate; otherwise, or when the
   book fills nothing, the liquidation is full.
3. **Full liquidation**: each position, largest maintenance first, gets an IOC LIQUIDATION order
   (client id ``autoclose-…``) for all of it at its bankruptcy price (a long's rounded up to the
   tick, a short's down), into the book.
4. **Clearance fee** on each liquidation order: ``ceil(filled notional x liquidation fee rate)``
   capped at the remaining margin (at the mark for a partial step; for a full one, the balance
   left if the rest closed at the bankruptcy price), from the unit's wallet to its fund.
5. What the book does not fill the **fund takes over** at the bankruptcy price, within its
   capacity; the rest is **auto-deleveraged** against the opposite positions (``adl``). Should
   they not suffice, the fund takes the remainder regardless (the last resort).
6. A wallet left **negative** is brought back to zero by the fund; an isolated wallet left
   positive after its position is gone returns to the cross wallet.

An insurance fund is a unit too: when its margin balance falls below zero, its positions are
auto-deleveraged at its bankruptcy prices (it never trades into the book at a loss).
"""

from __future__ import annotations

from typing import Final

from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.events import (
    Event,
    LiquidationTriggered,
    PositionLiquidated,
)
from liquidator.core.exchange.ledger import EntryKind
from liquidator.core.exchange.matching import match, walk_cost
from liquidator.core.exchange.order_entry import cancel_all_of
from liquidator.core.exchange.orders import ExpiryReason, Order, OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.unit import Figures, Unit, bankruptcy_price, position_figures
from liquidator.core.money.scaled import SCALE2, ceil_div, ceil_to, floor_scaled, floor_to
from liquidator.core.risk.adl_closeout import deleverage, deleverage_fund
from liquidator.core.risk.index import UnitKey
from liquidator.core.risk.insurance_fund import (
    cover,
    expire_rest,
    take_over,
    takeover_room,
    venue_order,
)
from liquidator.core.risk.insurance_groups import is_fund
from liquidator.core.risk.venue_units import balance_without, unit, unit_figures, unit_key

MAX_PARTIAL_STEPS: Final = 32  # a table has at most a few dozen brackets


def liquidate(venue: Venue, key: UnitKey, out: list[Event]) -> None:
    """Run the waterfall for the unit ``key`` if it is breached at the current marks."""
    target = unit(venue, key)
    if target is None or not target.positions:
        return
    start = unit_figures(venue, target)
    if not is_breached(target, start):
        return
    marks = tuple((p.symbol, venue.symbols[p.symbol].mark_price) for p in target.positions)
    out.append(
        LiquidationTriggered(
            target.account.account,
            target.wallet_key,
            target.asset,
            start.margin_balance,
            start.maintenance,
            marks,
            venue.now_ms,
        )
    )
    if is_fund(target.account.account):
        deleverage_fund(venue, target, out)
        return
    _cancel_orders(venue, target, out)
    if not _partial(venue, key, out):
        _full(venue, key, out)
    _settle_wallet(venue, key, out)


def is_breached(target: Unit, current: Figures) -> bool:
    """A fund is breached below zero balance; any other unit at 100% margin ratio."""
    if is_fund(target.account.account):
        return bool(target.positions) and current.margin_balance < 0
    return current.is_breached


def _cancel_orders(venue: Venue, target: Unit, out: list[Event]) -> None:
    account = target.account
    if target.isolated:
        symbols = [target.positions[0].symbol]
    else:
        symbols = [s for s in sorted(account.symbols) if venue.assets[s] == target.asset]
    for symbol in symbols:
        cancel_all_of(venue, account, symbol, ExpiryReason.LIQUIDATION, out)


# --- partial liquidation ------------------------------------------------------------------------


def _partial(venue: Venue, key: UnitKey, out: list[Event]) -> bool:
    """Reduce step by step; return True when the unit ends compliant."""
    for _ in range(MAX_PARTIAL_STEPS):
        target = unit(venue, key)
        if target is None or not target.positions:
            return True
        current = unit_figures(venue, target)
        if not current.is_breached:
            return True
        position = _largest(venue, target)
        quantity = _partial_quantity(venue, current, position)
        if quantity == 0:
            return False
        order = _liquidation_order(venue, target, position, quantity, partial=True, out=out)
        if order.executed == 0:
            return False
    return False


def _largest(venue: Venue, target: Unit) -> PositionState:
    """Return the unit's position with the largest maintenance margin (then symbol, side)."""

    def weight(position: PositionState) -> tuple[int, str, str]:
        state = venue.symbols[position.symbol]
        _, maintenance = position_figures(position, state.mark_price, state.tiers)
        return (-maintenance, position.symbol, position.side.value)

    return min(target.positions, key=weight)


def _partial_quantity(venue: Venue, current: Figures, position: PositionState) -> int:
    """Return the quantity of the next partial step (0: go to full liquidation).

    ``surplus(r)`` is margin balance minus maintenance after selling (a short: buying) ``r``
    into the book as it stands, down to the bankruptcy price: the fills' shortfall against the
    mark and their clearance fee come off the balance, and the rest of the position is
    maintained at its new bracket.
    """
    state = venue.symbols[position.symbol]
    tiers, mark = state.tiers, state.mark_price
    size, step = abs(position.quantity), state.instrument.step_size.raw
    bracket = tiers.index_for(tiers.notional16(size, mark))
    if bracket == 0:
        return 0
    below = tiers.size_within(tiers.floors16[bracket] - 1, mark)
    below -= below % step
    limit = size - below
    if limit <= 0 or limit >= size:
        return 0
    fee_rate = state.instrument.liquidation_fee_rate.raw
    maintenance_now = tiers.maintenance(tiers.notional16(size, mark))
    long = position.quantity > 0
    side = Side.SELL if long else Side.BUY
    bound = bankruptcy_price(
        current.margin_balance - floor_scaled(tiers.pnl16(position.quantity, position.cost, mark)),
        position.quantity,
        position.cost,
        tiers,
    )

    def surplus(reduce: int) -> int:
        taken, cost16 = walk_cost(state, side, reduce, bound)
        shortfall16 = tiers.loss16(taken, cost16, mark, not long)
        fee = ceil_div(cost16 * fee_rate, SCALE2)
        rest = tiers.maintenance(tiers.notional16(size - taken, mark))
        after = current.maintenance - maintenance_now + rest
        return current.margin_balance + floor_scaled(-shortfall16) - fee - after

    if surplus(limit) > 0:
        low, high = 1, limit // step  # least number of steps with a positive surplus
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if surplus(middle * step) > 0 else (middle + 1, high)
        return low * step
    return limit if surplus(limit) > surplus(0) else 0


# --- full liquidation ---------------------------------------------------------------------------


def _full(venue: Venue, key: UnitKey, out: list[Event]) -> None:
    while True:
        target = unit(venue, key)
        if target is None or not target.positions:
            return
        position = _largest(venue, target)
        _liquidation_order(venue, target, position, abs(position.quantity), partial=False, out=out)


def _liquidation_order(
    venue: Venue,
    target: Unit,
    position: PositionState,
    quantity: int,
    *,
    partial: bool,
    out: list[Event],
) -> Order:
    """Send one IOC LIQUIDATION order; charge the fee; hand a full order's rest to fund/ADL."""
    state = venue.symbols[position.symbol]
    account = target.account
    long = position.quantity > 0
    bankrupt = bankruptcy_price(
        balance_without(venue, target, position), position.quantity, position.cost, state.tiers
    )
    tick = state.instrument.tick_size.raw
    price = ceil_to(bankrupt, tick) if long else max(tick, floor_to(bankrupt, tick))
    order = venue_order(
        venue,
        account,
        state,
        side=Side.SELL if long else Side.BUY,
        position_side=position.side,
        kind=OrderType.LIQUIDATION,
        quantity=quantity,
        price=price,
        client_order_id="",
        time_in_force=TimeInForce.IOC,
        out=out,
    )
    match(venue, state, order, price, out)
    fee = _clearance_fee(venue, target, position, order, partial=partial, out=out)
    taken = deleveraged = 0
    if order.remaining and not partial:
        taken, deleveraged = _bankrupt_remainder(venue, state, account, order, out)
    expire_rest(venue, order, out)
    out.append(
        PositionLiquidated(
            account.account,
            order.symbol,
            position.side,
            order.order_id,
            order.side.value,
            quantity,
            order.executed - taken - deleveraged,
            order.cum_quote - (taken + deleveraged) * price,
            price,
            fee,
            taken,
            deleveraged,
            partial,
            venue.now_ms,
        )
    )
    return order


def _clearance_fee(
    venue: Venue,
    target: Unit,
    position: PositionState,
    order: Order,
    *,
    partial: bool,
    out: list[Event],
) -> int:
    """Charge ``ceil(filled notional x fee rate)``, capped at the remaining margin.

    USDⓈ-M: the filled notional is the order's ``cum_quote``, ``sum(qty x price)`` (price x size
    x rate). COIN-M: ``size / price x rate x contract multiplier`` (binance-mechanics §6.5) with
    the filled size at the liquidation order's price, ``ceil(executed x CS / price)`` coin: its
    fills are at that price or better, so never less than the coin they were worth.
    """
    if order.executed == 0:
        return 0
    state = venue.symbols[order.symbol]
    rate = state.instrument.liquidation_fee_rate.raw
    tiers = state.tiers
    filled16 = tiers.notional16(order.executed, order.price) if tiers.coin16 else order.cum_quote
    fee = ceil_div(filled16 * rate, SCALE2)
    current = unit(venue, unit_key(venue, target.account, position))
    if current is None:
        return 0
    if partial or position.quantity == 0:
        remaining = unit_figures(venue, current).margin_balance
    else:
        others = balance_without(venue, current, position)
        pnl16 = state.tiers.pnl16(position.quantity, position.cost, order.price)
        remaining = others + floor_scaled(pnl16)
    fee = min(fee, max(0, remaining))
    if fee:
        out.append(
            venue.ledger.transfer(
                EntryKind.INSURANCE_CLEAR,
                target.asset,
                target.wallet_key,
                venue.config.insurance.fund_of(order.symbol),
                fee,
                account=target.account.account,
                symbol=order.symbol,
                ref=order.order_id,
                ts_ms=venue.now_ms,
            )
        )
    return fee


def _bankrupt_remainder(
    venue: Venue, state: SymbolState, account: AccountState, order: Order, out: list[Event]
) -> tuple[int, int]:
    """Give what the book left to the fund, within capacity, then to ADL; return both."""
    fund = venue.accounts[venue.config.insurance.fund_of(state.instrument.symbol)]
    long = order.side is Side.SELL
    taken = min(order.remaining, takeover_room(venue, state, fund, order.price, long))
    if taken:
        take_over(venue, state, account, order, taken, out)
    deleveraged = 0
    if order.remaining:
        deleveraged = deleverage(venue, state, account, order, out)
    if order.remaining:  # nobody left to deleverage against: the fund takes it all
        last = order.remaining
        take_over(venue, state, account, order, last, out)
        taken += last
    return taken, deleveraged


# --- after the positions are gone ---------------------------------------------------------------


def _settle_wallet(venue: Venue, key: UnitKey, out: list[Event]) -> None:
    """Cover a negative wallet from the fund; return an empty isolated wallet's rest to cross."""
    wallet, asset = key
    account = venue.accounts[wallet.split("/")[0]]
    if venue.ledger.balance_of(key) < 0:
        cover(venue, wallet, asset, account.account, out)
    target = unit(venue, key)
    left = venue.ledger.balance_of(key)
    if target is not None and target.isolated and not target.positions and left > 0:
        out.append(
            venue.ledger.transfer(
                EntryKind.ISOLATED_MARGIN,
                asset,
                wallet,
                account.account,
                left,
                account=account.account,
                symbol=wallet.split("/")[1],
                ts_ms=venue.now_ms,
            )
        )
