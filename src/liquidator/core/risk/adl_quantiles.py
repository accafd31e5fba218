"""The ADL quantile of every open position, recomputed on a schedule (Binance: every 30 s).

Each position's place among its side's positions in the symbol by ``adl_ranking.Candidate.score``
(0: the last to be deleveraged, 4: the first). Held in the state (``SymbolState.adl_quantiles``)
so that ``/fapi/v1/adlQuantile`` and positionRisk's ``adl`` show the last computed values.

One pass over the accounts that hold a position (the symbols' holders: not every account ever
opened, most of them flat by the end of a long replay) gives every margin unit's balance (wallet
plus unrealized PnL at the marks), then each symbol's positions are ranked.
"""

from __future__ import annotations

from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.events import AdlQuantilesUpdated, Event
from liquidator.core.exchange.venue import Venue
from liquidator.core.money.scaled import floor_scaled
from liquidator.core.risk import adl_ranking


def update_quantiles(venue: Venue, out: list[Event]) -> None:
    """Recompute the quantiles of every symbol from the positions at the marks."""
    marks = {symbol: state.mark_price for symbol, state in venue.symbols.items()}
    ledger = venue.ledger
    sides: dict[str, tuple[list[adl_ranking.RankKey], list[adl_ranking.RankKey]]] = {
        symbol: ([], []) for symbol in venue.symbols
    }
    for account in _holding_accounts(venue):
        name = account.account
        cross: dict[str, int] = {}  # margin asset -> cross unrealized PnL
        figures = []  # (position, isolated, unrealized PnL)
        for position in account.open_positions():
            symbol = position.symbol
            pnl = floor_scaled(
                venue.symbols[symbol].tiers.pnl16(position.quantity, position.cost, marks[symbol])
            )
            isolated = account.is_isolated(symbol)
            if not isolated:
                asset = venue.assets[symbol]
                cross[asset] = cross.get(asset, 0) + pnl
            figures.append((position, isolated, pnl))
        for position, isolated, pnl in figures:
            symbol = position.symbol
            asset = venue.assets[symbol]
            if isolated:
                balance = ledger.balance(position.ledger_key, asset) + pnl
            else:
                balance = ledger.balance(name, asset) + cross[asset]
            size = abs(position.quantity)
            notional = floor_scaled(venue.symbols[symbol].tiers.notional16(size, marks[symbol]))
            score = adl_ranking.score_key(pnl, notional, balance)
            key = (-score, -size, name, position.side._value_)  # Candidate.sort_key
            sides[symbol][0 if position.quantity > 0 else 1].append(key)
    for symbol, (longs, shorts) in sides.items():
        state = venue.symbols[symbol]
        state.adl_quantiles = {**adl_ranking.quantiles(longs), **adl_ranking.quantiles(shorts)}
        if state.adl_quantiles:
            out.append(AdlQuantilesUpdated(symbol, len(state.adl_quantiles), venue.now_ms))


def _holding_accounts(venue: Venue) -> list[AccountState]:
    """Return each non-system account holding a position in some symbol, once (any order)."""
    seen: set[str] = set()
    found = []
    for state in venue.symbols.values():
        for name, _ in state.holders:
            if name in seen:
                continue
            seen.add(name)
            account = venue.accounts[name]
            if not account.is_system:
                found.append(account)
    return found
