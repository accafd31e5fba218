"""The insurance funds at work: opened with the venue, taking over, covering, unwinding.

See ``insurance`` for the grouping and the capacity rule. Transfers between a bankrupt position
and the fund (or an ADL counterparty) are fills at the bankruptcy price, without fee, printed
with Binance's trade kind (``INSURANCE_FUND``, ``ADL``) and moving no last price.
"""

from __future__ import annotations

from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.events import Event, OrderAccepted, OrderClosed, TradeExecuted
from liquidator.core.exchange.ledger import EXTERNAL, EntryKind
from liquidator.core.exchange.matching import match
from liquidator.core.exchange.orders import (
    ExpiryReason,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from liquidator.core.exchange.settlement import settle_fill
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import cross_positions, figures
from liquidator.core.money.scaled import SCALE, ceil_scaled, ceil_to, floor_to


def open_funds(venue: Venue, out: list[Event]) -> None:
    """Create every fund account of the venue's symbols and deposit its seed, once in each
    margin asset of its group (a shared fund holding USDT and BTC is seeded in both), each
    worth ``seed`` USDT (``InsuranceConfig.seed_in``)."""
    config = venue.config.insurance
    funds = {
        (config.fund_of(s), venue.assets[s]): st.instrument.is_inverse
        for s, st in venue.symbols.items()
    }
    opened: set[str] = set()
    for (name, asset), coin_margined in sorted(funds.items()):
        if name not in venue.accounts:
            venue.accounts[name] = AccountState(name, is_system=True)
            opened.add(name)
        amount = config.seed_in(asset, coin_margined=coin_margined)
        if name in opened and amount:
            out.append(
                venue.ledger.transfer(
                    EntryKind.DEPOSIT,
                    asset,
                    EXTERNAL,
                    name,
                    amount,
                    account=name,
                    ts_ms=venue.now_ms,
                )
            )


def fund_balance(venue: Venue, fund: AccountState, asset: str) -> int:
    """Return the fund's margin balance: wallet plus its positions' unrealized PnL (raw)."""
    positions = cross_positions(fund, asset, venue.assets)
    marks = {p.symbol: venue.symbols[p.symbol].mark_price for p in positions}
    tiers = {p.symbol: venue.symbols[p.symbol].tiers for p in positions}
    wallet = venue.ledger.balance(fund.account, asset)
    return figures(wallet, positions, marks, tiers).margin_balance


def takeover_room(
    venue: Venue, state: SymbolState, fund: AccountState, price: int, long: bool
) -> int:
    """Return how much (raw qty, whole steps) the fund may take over at ``price``.

    Capacity: held notional plus the new one within ``capacity_rate`` x margin balance; and the
    takeover's immediate loss against the mark within the margin balance, so the fund is not
    bankrupt the moment it takes the position.
    """
    asset = state.instrument.margin_asset
    balance = fund_balance(venue, fund, asset)
    if balance <= 0 or price <= 0:
        return 0
    held16 = sum(
        venue.symbols[p.symbol].tiers.notional16(
            abs(p.quantity), venue.symbols[p.symbol].mark_price
        )
        for p in fund.held_positions()
        if p.quantity and venue.assets[p.symbol] == asset
    )
    room16 = balance * venue.config.insurance.capacity_rate - held16
    tiers, mark = state.tiers, state.mark_price
    room = max(0, tiers.size_within(room16, price))
    gap = (price - mark) if long else (mark - price)  # the fund buys a long at price
    if gap > 0:  # an immediate loss per raw unit: ``gap`` (linear), ``CS x gap / (mark x price)``
        if tiers.coin16:
            room = min(room, balance * SCALE * mark * price // (tiers.coin16 * gap))
        else:
            room = min(room, balance * SCALE // gap)
    step = state.instrument.step_size.raw
    return room - room % step


def venue_order(
    venue: Venue,
    account: AccountState,
    state: SymbolState,
    *,
    side: Side,
    position_side: PositionSide,
    kind: OrderType,
    quantity: int,
    price: int,
    client_order_id: str,
    time_in_force: TimeInForce,
    reduce_only: bool = True,
    out: list[Event],
) -> Order:
    """Create and announce one of the venue's own reduce-only orders."""
    order_id = venue.next_order_id()
    order = Order(
        order_id=order_id,
        account=account.account,
        symbol=state.instrument.symbol,
        client_order_id=client_order_id or f"autoclose-{venue.now_ms}{order_id:06d}",
        side=side,
        position_side=position_side,
        order_type=kind,
        time_in_force=time_in_force,
        quantity=quantity,
        price=price,
        reduce_only=reduce_only,
        created_ms=venue.now_ms,
    )
    out.append(
        OrderAccepted(account.account, order.symbol, order.order_id, order.fields(), venue.now_ms)
    )
    return order


def expire_rest(venue: Venue, order: Order, out: list[Event]) -> None:
    """Expire what an IOC venue order left unfilled (``er`` 2)."""
    if not order.remaining:
        return
    order.status = OrderStatus.EXPIRED
    order.expiry_reason = ExpiryReason.IOC_UNFILLED
    out.append(
        OrderClosed(
            order.account,
            order.symbol,
            order.order_id,
            "EXPIRED",
            ExpiryReason.IOC_UNFILLED,
            venue.now_ms,
        )
    )


def transfer_fill(
    venue: Venue,
    state: SymbolState,
    bankrupt: tuple[AccountState, Order],
    other: tuple[AccountState, Order],
    *,
    quantity: int,
    kind: str,
    out: list[Event],
) -> None:
    """Fill ``quantity`` between a bankrupt position's order and the fund's or an ADL
    counterparty's, at the bankrupt order's price: no fee, a ``kind`` print."""
    seller, buyer = (bankrupt, other) if bankrupt[1].side is Side.SELL else (other, bankrupt)
    price = bankrupt[1].price
    state.trade_id += 1
    trade_id = state.trade_id
    for (account, order), maker in ((seller, True), (buyer, False)):
        settle_fill(venue, account, order, quantity, price, maker=maker, trade_id=trade_id, out=out)
        order.status = OrderStatus.FILLED if order.remaining == 0 else OrderStatus.PARTIALLY_FILLED
    out.append(
        TradeExecuted(state.instrument.symbol, trade_id, price, quantity, False, venue.now_ms, kind)
    )


def take_over(
    venue: Venue,
    state: SymbolState,
    account: AccountState,
    order: Order,
    quantity: int,
    out: list[Event],
) -> None:
    """Move ``quantity`` of the liquidated position to the fund at ``order``'s price."""
    fund = venue.accounts[venue.config.insurance.fund_of(state.instrument.symbol)]
    fund_order = venue_order(
        venue,
        fund,
        state,
        side=order.side.opposite,
        position_side=PositionSide.BOTH,
        kind=OrderType.INSURANCE_FUND,
        quantity=quantity,
        price=order.price,
        client_order_id=f"insurance-{order.order_id}",
        time_in_force=TimeInForce.GTC,
        reduce_only=False,
        out=out,
    )
    transfer_fill(
        venue,
        state,
        (account, order),
        (fund, fund_order),
        quantity=quantity,
        kind="INSURANCE_FUND",
        out=out,
    )


def cover(venue: Venue, wallet: str, asset: str, account: str, out: list[Event]) -> int:
    """Bring a negative ``wallet`` back toward zero from its fund; return what is left unpaid."""
    deficit = -venue.ledger.balance(wallet, asset)
    if deficit <= 0:
        return 0
    symbol = wallet.split("/")[1] if "/" in wallet else ""
    fund_name = _fund_for_asset(venue, symbol, asset)
    fund = venue.accounts[fund_name]
    paid = min(deficit, max(0, fund_balance(venue, fund, asset)))
    paid = min(paid, max(0, venue.ledger.balance(fund_name, asset)))
    if paid:
        out.append(
            venue.ledger.transfer(
                EntryKind.INSURANCE_COVER,
                asset,
                fund_name,
                wallet,
                paid,
                account=account,
                symbol=symbol,
                ts_ms=venue.now_ms,
            )
        )
    return deficit - paid


def _fund_for_asset(venue: Venue, symbol: str, asset: str) -> str:
    """The fund of ``symbol``, or for a cross wallet the shared fund of its asset."""
    config = venue.config.insurance
    if symbol:
        return config.fund_of(symbol)
    shared = [config.fund_of(s) for s in sorted(venue.symbols) if venue.assets[s] == asset]
    pooled = [name for name in shared if name.endswith(":shared")]
    return pooled[0] if pooled else shared[0]


def unwind(venue: Venue, state: SymbolState, out: list[Event]) -> None:
    """Offer a share of the fund's position in ``state``'s symbol to the book, never below mark.

    An IOC of ``unwind_rate`` x the position (at least one step) at the mark rounded to the
    tick in the fund's favour; what the book does not take expires.
    """
    symbol = state.instrument.symbol
    fund = venue.accounts.get(venue.config.insurance.fund_of(symbol))
    if fund is None or state.mark_price <= 0:
        return
    position = fund.find_position(symbol, PositionSide.BOTH)
    if position is None or position.quantity == 0:
        return
    size, step, tick = (
        abs(position.quantity),
        state.instrument.step_size.raw,
        state.instrument.tick_size.raw,
    )
    share = ceil_scaled(size * venue.config.insurance.unwind_rate)
    quantity = min(size, max(step, share + (-share) % step))
    side = Side.SELL if position.quantity > 0 else Side.BUY
    mark = state.mark_price
    price = ceil_to(mark, tick) if side is Side.SELL else floor_to(mark, tick)
    order = venue_order(
        venue,
        fund,
        state,
        side=side,
        position_side=PositionSide.BOTH,
        kind=OrderType.INSURANCE_FUND,
        quantity=quantity,
        price=price,
        client_order_id="",
        time_in_force=TimeInForce.IOC,
        out=out,
    )
    match(venue, state, order, price, out)
    expire_rest(venue, order, out)
