"""Auto-deleveraging: closing a bankrupt remainder against the opposite positions.

What the fund cannot take is closed against the positions on the other side of the symbol at the
bankrupt order's price, without fee: their open orders in the symbol are cancelled, each gets an
ADL order record (client id ``adl_autoclose``) and an ``AutoDeleveraged`` event, the prints are
of kind ``ADL``. Who goes first is ``adl``'s business (Binance's ranking, or pro rata). An
insurance fund below zero balance is deleveraged the same way at its bankruptcy prices.
"""

from __future__ import annotations

from typing import Final

from liquidator.core.exchange.account_state import AccountState, AccountSymbol, PositionState
from liquidator.core.exchange.events import AutoDeleveraged, Event
from liquidator.core.exchange.order_entry import cancel_all_of
from liquidator.core.exchange.orders import ExpiryReason, Order, OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.unit import Unit, bankruptcy_price
from liquidator.core.money.scaled import floor_scaled
from liquidator.core.risk import adl_ranking
from liquidator.core.risk.adl_book import AdlBook, LazyRanking
from liquidator.core.risk.adl_ranking import AdlPolicy
from liquidator.core.risk.index import UnitKey
from liquidator.core.risk.insurance_fund import transfer_fill, venue_order
from liquidator.core.risk.venue_units import balance_without, margin_balance, unit_key

_SIDES: Final = {side.value: side for side in PositionSide}  # a key's side back to the enum


def deleverage(
    venue: Venue, state: SymbolState, account: AccountState, order: Order, out: list[Event]
) -> int:
    """Close ``order``'s remainder against the opposite positions at its price; return it."""
    symbol = state.instrument.symbol
    selling = order.side is Side.SELL  # the bankrupt side is long: shorts are closed
    if venue.config.adl_policy is AdlPolicy.RANKED:
        allocation = _ranked_allocation(
            venue, state, account.account, order.remaining, selling, out
        )
    else:
        candidates = _candidates(venue, state, account.account, want_short=selling)
        step = state.instrument.step_size.raw
        allocation = [
            (candidate.account, PositionSide(candidate.side), quantity)
            for candidate, quantity in adl_ranking.allocate(
                candidates, order.remaining, step, venue.config.adl_policy
            )
        ]
    done = 0
    for name, side, quantity in allocation:
        other = venue.accounts[name]
        cancel_all_of(venue, other, symbol, ExpiryReason.NONE, out)
        closing = venue_order(
            venue,
            other,
            state,
            side=order.side.opposite,
            position_side=side,
            kind=OrderType.ADL,
            quantity=quantity,
            price=order.price,
            client_order_id="adl_autoclose",
            time_in_force=TimeInForce.GTC,
            out=out,
        )
        transfer_fill(
            venue,
            state,
            (account, order),
            (other, closing),
            quantity=quantity,
            kind="ADL",
            out=out,
        )
        out.append(
            AutoDeleveraged(
                other.account,
                symbol,
                side,
                closing.order_id,
                closing.side.value,
                quantity,
                order.price,
                account.account,
                venue.now_ms,
            )
        )
        done += quantity
    return done


def _ranked_allocation(
    venue: Venue,
    state: SymbolState,
    excluded: str,
    quantity: int,
    selling: bool,
    out: list[Event],
) -> list[tuple[str, PositionSide, int]]:
    """Walk the side's ranking (taken once per sweep) down to ``quantity``, at current sizes.

    Returns (account, position side, quantity) in ranking order. Ranking every opposite
    position costs a pass over the symbol's holders; a crash that deleverages thousands of
    bankruptcies in one tick ranks once and walks the same ranking, each position at its current
    size (our reading: Binance too ranks on a schedule, not per fill). The ranking is read from
    the side's book (``adl_book``): exact keys only as far as the walks read.
    """
    symbol = state.instrument.symbol
    cache = venue.risk.adl_rankings
    ranking = cache.get((symbol, selling))
    if ranking is None:
        ranking = cache[(symbol, selling)] = _ranking(venue, state, selling, out)
    result = []
    left = quantity
    place = 0
    while left > 0:
        key = ranking.at(place)
        if key is None:
            break
        place += 1
        name = key[2]
        if name == excluded:
            continue
        side = _SIDES[key[3]]  # a dictionary, not the enum's slower call by value
        held = state.holders.get((name, side), 0)
        size = -held if selling else held
        if size > 0:
            take = min(size, left)
            result.append((name, side, take))
            left -= take
    return result


def _ranking(venue: Venue, state: SymbolState, short: bool, out: list[Event]) -> LazyRanking:
    """Return one side's ranking at the mark, its book brought to the state now.

    The events of this sweep round so far are absorbed first (the accounts they changed are read
    again); a new book reads every holder of the symbol.
    """
    index = venue.risk
    index.absorb(out, venue.assets)  # marks their units dirty too, as the round's end would
    symbol, mark, tiers = state.instrument.symbol, state.mark_price, state.tiers
    book = index.adl_books.get((symbol, short))
    if book is None:
        book = index.adl_books[(symbol, short)] = AdlBook(short)
        book.touched = {name for name, _ in state.holders}
    touched = book.touched
    touched.update(wallet.partition("/")[0] for wallet, _ in index.dirty)
    book.put_back()
    valid = book.valid_at(mark)
    for name in touched:
        _read_holder(venue, state, book, name, bound=valid)
    touched.clear()
    if not valid:
        book.rebuild(tiers, mark)
    volatile = []
    for holder in book.volatile:
        quantity = state.holders.get(holder, 0)
        if quantity and (quantity < 0) == short:
            volatile.append(_live_key(venue, state, holder[0], holder[1], quantity))
    return book.ranking(tiers, mark, volatile)


def _read_holder(venue: Venue, state: SymbolState, book: AdlBook, name: str, bound: bool) -> None:
    """Keep the inputs of ``name``'s positions on the book's side, or make them volatile."""
    symbol = state.instrument.symbol
    account = venue.accounts.get(name)
    held = account.symbols.get(symbol) if account is not None else None
    for side in _SIDES.values():
        holder = (name, side)
        quantity = state.holders.get(holder, 0)
        if account is None or held is None or not quantity or (quantity < 0) != book.short:
            book.drop(holder)
            continue
        position = held.position(side)
        if position is None:  # a holder without its position: the state is broken, stop
            raise RuntimeError(f"{name} holds {symbol} {side.value} but has no such position")
        venue_account = account.is_system or name[0] == "@"  # its postings are not tracked
        wallet = None if venue_account else _alone_wallet(venue, account, held, position)
        if wallet is None or wallet <= 0:
            book.drop(holder)
            book.volatile.add(holder)
            continue
        kept = book.inputs.get(holder)
        if kept is not None and kept[1:] == (quantity, position.cost, wallet):
            continue
        inputs = book.keep(holder, quantity, position.cost, wallet)
        if bound:
            book.add_bound(state.tiers, holder, inputs)


def _alone_wallet(
    venue: Venue, account: AccountState, held: AccountSymbol, position: PositionState
) -> int | None:
    """Return the wallet of ``position``'s margin unit if it is the unit's only open position.

    Its balance is then the wallet plus its PnL (``margin_balance``'s sum of one); None when
    the unit has other open positions (cross: any of the account's in the margin asset).
    """
    asset = venue.assets[position.symbol]
    if held.margin_type is MarginType.ISOLATED:  # AccountState.is_isolated
        return venue.ledger.balance(position.ledger_key, asset)
    for symbol, other in account.symbols.items():
        if other.margin_type is MarginType.ISOLATED or venue.assets[symbol] != asset:
            continue
        for each in (other.both, other.long, other.short):
            if each is not None and each is not position and each.quantity:
                return None
    return venue.ledger.balance(account.account, asset)


def _live_key(
    venue: Venue, state: SymbolState, name: str, side: PositionSide, quantity: int
) -> adl_ranking.RankKey:
    """Return the sort key (``Candidate.sort_key``) of a holder, read from the state now."""
    symbol, mark, tiers = state.instrument.symbol, state.mark_price, state.tiers
    account = venue.accounts[name]
    position = _position(account, symbol, side)
    pnl = floor_scaled(tiers.pnl16(quantity, position.cost, mark))
    key = unit_key(venue, account, position)
    balance = margin_balance(venue, account, key, position, pnl)  # pnl not computed twice
    size = abs(quantity)
    score = adl_ranking.score_key(pnl, floor_scaled(tiers.notional16(size, mark)), balance)
    return (-score, -size, name, side._value_)  # _value_: Enum.value is a slow property


def _position(account: AccountState, symbol: str, side: PositionSide) -> PositionState:
    """Return the position a holder of ``symbol`` holds (a holder without one: stop)."""
    position = account.find_position(symbol, side)
    if position is None:  # a holder without its position: the state is broken, stop
        raise RuntimeError(
            f"{account.account} holds {symbol} {side.value} but has no such position"
        )
    return position


def _candidates(
    venue: Venue, state: SymbolState, excluded: str, *, want_short: bool
) -> list[adl_ranking.Candidate]:
    """Return the symbol's positions on one side (other accounts), with what ranks them.

    (In no particular order: ``adl_ranking.ranked`` sorts them, ties broken by account and side.)
    """
    symbol, mark, tiers = state.instrument.symbol, state.mark_price, state.tiers
    balances: dict[UnitKey, int] = {}
    result = []
    for (name, side), quantity in state.holders.items():
        if name == excluded or (quantity < 0) != want_short:
            continue
        account = venue.accounts[name]
        position = _position(account, symbol, side)
        key = unit_key(venue, account, position)
        balance = balances.get(key)
        if balance is None:
            balance = balances[key] = margin_balance(venue, account, key)
        result.append(
            adl_ranking.Candidate(
                name,
                side.value,
                abs(quantity),
                floor_scaled(tiers.pnl16(quantity, position.cost, mark)),
                floor_scaled(tiers.notional16(abs(quantity), mark)),
                balance,
            )
        )
    return result


def deleverage_fund(venue: Venue, target: Unit, out: list[Event]) -> None:
    """Close a fund's positions by ADL at its bankruptcy prices (it is below zero balance)."""
    for position in list(target.positions):
        if position.quantity == 0:
            continue
        state = venue.symbols[position.symbol]
        bankrupt = bankruptcy_price(
            balance_without(venue, target, position), position.quantity, position.cost, state.tiers
        )
        long = position.quantity > 0
        order = venue_order(
            venue,
            target.account,
            state,
            side=Side.SELL if long else Side.BUY,
            position_side=position.side,
            kind=OrderType.INSURANCE_FUND,
            quantity=abs(position.quantity),
            price=bankrupt,
            client_order_id="",
            time_in_force=TimeInForce.IOC,
            out=out,
        )
        deleverage(venue, state, target.account, order, out)
