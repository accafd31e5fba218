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
        allocation = _ranked_allocation(venue, state, account.account, order.remaining, selling)
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
    venue: Venue, state: SymbolState, excluded: str, quantity: int, selling: bool
) -> list[tuple[str, PositionSide, int]]:
    """Walk the side's ranking (taken once per sweep) down to ``quantity``, at current sizes.

    Returns (account, position side, quantity) in ranking order. Ranking every opposite
    position costs a pass over the symbol's holders; a crash that deleverages thousands of
    bankruptcies in one tick ranks once and walks the same ranking, each position at its current
    size (our reading: Binance too ranks on a schedule, not per fill).
    """
    symbol = state.instrument.symbol
    cache = venue.risk.adl_rankings
    ranking = cache.get((symbol, selling))
    if ranking is None:
        ranking = cache[(symbol, selling)] = adl_ranking.Ranking(
            _rank_keys(venue, state, want_short=selling)
        )
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


def _rank_keys(venue: Venue, state: SymbolState, *, want_short: bool) -> list[adl_ranking.RankKey]:
    """Return the sort keys (``Candidate.sort_key``) of the symbol's positions on one side.

    The same figures as ``_candidates``, read once per position, without a ``Candidate`` each
    (tens of thousands at a crash). A unit's balance is its wallet plus the position's PnL when
    the position is alone in its unit (isolated, or the account's only open position), else
    ``margin_balance``'s pass over the account (``_alone``). A unit has at most one position on
    one side of a symbol, so no balance is read twice.
    """
    symbol, mark, tiers = state.instrument.symbol, state.mark_price, state.tiers
    asset = venue.assets[symbol]
    accounts, ledger = venue.accounts, venue.ledger
    keys: list[adl_ranking.RankKey] = []
    for (name, side), quantity in state.holders.items():
        if (quantity < 0) != want_short:
            continue
        account = accounts[name]
        held = account.symbols.get(symbol)
        position = held.position(side) if held is not None else None
        if held is None or position is None:  # a holder without its position: the state is broken
            raise RuntimeError(f"{name} holds {symbol} {side.value} but has no such position")
        pnl = floor_scaled(tiers.pnl16(quantity, position.cost, mark))
        if held.margin_type is MarginType.ISOLATED:  # AccountState.is_isolated
            balance = ledger.balance(position.ledger_key, asset) + pnl
        elif len(account.symbols) == 1 and _alone(held, position):
            balance = ledger.balance(name, asset) + pnl
        else:  # pnl not computed twice
            balance = margin_balance(venue, account, (name, asset), position, pnl)
        size = abs(quantity)
        score = adl_ranking.score_key(pnl, floor_scaled(tiers.notional16(size, mark)), balance)
        keys.append((-score, -size, name, side._value_))  # _value_: Enum.value is a slow property
    return keys


def _alone(held: AccountSymbol, position: PositionState) -> bool:
    """Tell whether ``position`` is the only open one of its symbol's (hedge mode has two)."""
    for other in (held.both, held.long, held.short):
        if other is not None and other is not position and other.quantity:
            return False
    return True


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
