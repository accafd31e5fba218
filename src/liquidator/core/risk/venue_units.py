"""Margin units of a live venue: find them, read their figures at the marks, re-index them."""

from __future__ import annotations

from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.venue import Venue
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.unit import (
    Figures,
    Unit,
    band_budgets,
    band_rate,
    band_room,
    cross_positions,
    figures,
    held_sides,
    position_figures,
    safe_direction,
)
from liquidator.core.money.scaled import floor_scaled
from liquidator.core.risk.index import Band, UnitKey
from liquidator.core.risk.insurance_groups import is_fund
from liquidator.core.risk.screen import screen_bands


def unit_key(venue: Venue, account: AccountState, position: PositionState) -> UnitKey:
    """Return the key of the unit ``position`` belongs to."""
    asset = venue.assets[position.symbol]
    if account.is_isolated(position.symbol):
        return position.ledger_key, asset
    return account.account, asset


def unit(venue: Venue, key: UnitKey) -> Unit | None:
    """Return the unit named ``key`` as it is now; None for a venue account or a missing one."""
    wallet, asset = key
    name, _, rest = wallet.partition("/")
    account = venue.accounts.get(name)
    if account is None or (account.is_system and not is_fund(name)):
        return None
    if not rest:
        return Unit(account, wallet, asset, False, cross_positions(account, asset, venue.assets))
    symbol, _, side = rest.partition("/")
    position = account.find_position(symbol, PositionSide(side))
    held = position is not None and position.quantity != 0 and account.is_isolated(symbol)
    return Unit(account, wallet, asset, True, [position] if held and position else [])


def unit_figures(venue: Venue, target: Unit) -> Figures:
    """Return the unit's figures at the current marks."""
    marks = {p.symbol: venue.symbols[p.symbol].mark_price for p in target.positions}
    tiers = {p.symbol: venue.symbols[p.symbol].tiers for p in target.positions}
    wallet = venue.ledger.balance(target.wallet_key, target.asset)
    return figures(wallet, target.positions, marks, tiers)


def margin_balance(
    venue: Venue,
    account: AccountState,
    key: UnitKey,
    known: PositionState | None = None,
    known_pnl: int = 0,
) -> int:
    """Return the margin balance (wallet + unrealized PnL) of ``account``'s unit ``key`` fast.

    The same figure as ``unit_figures(...).margin_balance``, without building the unit or its
    maintenance margin (ADL ranks thousands of positions at once): one pass over the account's
    symbols, those of other assets or the other margin type skipped whole. ``known_pnl`` is
    ``known``'s unrealized PnL at its mark (raw, floored), when the caller has it already.
    """
    wallet, asset = key
    total = venue.ledger.balance(wallet, asset)
    isolated = wallet != account.account
    for symbol, held in account.symbols.items():
        if (held.margin_type is MarginType.ISOLATED) != isolated or venue.assets[symbol] != asset:
            continue
        for position in (held.both, held.long, held.short):
            if position is None or not position.quantity:
                continue
            if isolated and position.ledger_key != wallet:
                continue
            if position is known:
                total += known_pnl
                continue
            state = venue.symbols[symbol]
            total += floor_scaled(
                state.tiers.pnl16(position.quantity, position.cost, state.mark_price)
            )
    return total


def balance_without(venue: Venue, target: Unit, position: PositionState) -> int:
    """Return the unit's margin balance leaving out ``position``'s unrealized PnL (raw)."""
    wallet = venue.ledger.balance(target.wallet_key, target.asset)
    others = [p for p in target.positions if p is not position and p.quantity]
    marks = {p.symbol: venue.symbols[p.symbol].mark_price for p in others}
    tiers = {p.symbol: venue.symbols[p.symbol].tiers for p in others}
    return figures(wallet, others, marks, tiers).margin_balance


def refresh(venue: Venue) -> list[UnitKey]:
    """Re-index every dirty unit; return the multi-position units the sweep must check at once
    (at or past a threshold, called, or a fund)."""
    index = venue.risk
    threshold = venue.config.margin_call_threshold
    checks: list[UnitKey] = []
    for key in sorted(index.dirty):
        index.drop(key)
        target = unit(venue, key)
        if target is None or not target.positions:
            venue.margin_called.discard(key)
            continue
        wallet = venue.ledger.balance_of(key)  # the key is the wallet's (account, asset)
        fund = is_fund(target.account.account)
        called = key in venue.margin_called
        if len(target.positions) > 1 or fund:
            if _index_bands(venue, key, target.positions, wallet, called, fund):
                checks.append(key)
            continue
        position = target.positions[0]
        index.add_single(
            key,
            position.symbol,
            wallet=wallet,
            quantity=position.quantity,
            cost=position.cost,
            tiers=venue.symbols[position.symbol].tiers,
            call_threshold=threshold,
            called=called,
        )
    if index.adl_books:  # the ADL books read these accounts again (adl_book: ``touched``)
        names = {wallet.partition("/")[0] for wallet, _ in index.dirty}
        for book in index.adl_books.values():
            book.touched |= names
    index.dirty.clear()
    return checks


def _index_bands(
    venue: Venue,
    key: UnitKey,
    positions: list[PositionState],
    wallet: int,
    called: bool,
    fund: bool,
) -> bool:
    """Index a multi-position unit (or a fund) by its bands, in one pass over its positions.

    Return whether the sweep must check it at once: the exact check could only act on a unit
    at or past a threshold, a called one that may have recovered, or a fund (the rest is left
    as it is: ``risk_sweep._act``).
    """
    symbols, threshold = venue.symbols, venue.config.margin_call_threshold
    held = held_sides(positions)
    if not fund and not called:  # the float screen bands a unit far from its thresholds
        marks = {symbol: symbols[symbol].mark_price for symbol in held}
        screened = screen_bands(wallet, positions, held, marks, venue.risk.screens, threshold)
        if screened is not None:
            venue.risk.add_bands(key, screened)
            return False  # below the threshold and far from liquidation: nothing to check
    unrealized = maintenance = 0
    for position in positions:
        state = symbols[position.symbol]
        pnl, required = position_figures(position, state.mark_price, state.tiers)
        unrealized += pnl
        maintenance += required
    current = Figures(wallet, unrealized, maintenance)
    budgets = band_budgets(
        current, len(positions), call_threshold=threshold, called=called, fund=fund
    )
    bands: list[Band] = []
    for symbol, (size, sign) in held.items():
        state = symbols[symbol]
        mark, tiers = state.mark_price, state.tiers
        rate = 0 if fund else band_rate(tiers, size, mark)
        room = band_room(budgets, len(held), tiers.band_size(size, mark), mark, rate)
        direction = 0 if fund or called else safe_direction(sign, tiers, threshold)
        bands.append((symbol, mark, room, direction))
    venue.risk.add_bands(key, bands)
    return fund or called or current.is_breached or current.ratio_at_least(threshold)
