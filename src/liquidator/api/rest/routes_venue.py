"""Venue-wide reads Binance has no endpoint for, under ``/liquidator/v1`` (public, read-only).

The dashboard (``liquidator.web``) draws its liquidation heatmap, open interest per symbol and
insurance funds from these. Positions are listed without their owners' names: where the
liquidation prices sit and by how much notional, computed by the engine's exact maths (the same
``liquidationPrice`` as ``positionRisk``), not estimated.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from liquidator.api.account_views import liquidation_price
from liquidator.api.errors import invalid
from liquidator.api.rest.routes_market import optional_states
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.api.views import d
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.unit import bankruptcy_price
from liquidator.core.risk.venue_units import balance_without, unit, unit_key
from liquidator.read.account_figures import entry_price, notional


def _states(call: Call) -> list[SymbolState]:
    states = optional_states(call)
    venue = call.server.live.venue
    return states if states is not None else [venue.symbols[s] for s in sorted(venue.symbols)]


def positions(call: Call) -> dict[str, Any]:
    """Every user account's open position: symbol, side, size, entry, liquidation price,
    notional (|quantity| x mark, rounded down to 10**-8), for the chosen symbol or all.

    Each liquidation price is a bisection (~0.1 ms): the rows are kept until the journal moves
    on, so several pages polling the same state cost one computation.
    """
    live = call.server.live
    wanted = tuple(s.instrument.symbol for s in _states(call))
    key = (live.exchange.seq, wanted)
    cached = _POSITIONS.get(live)
    if cached is None or cached[0] != key:
        cached = _POSITIONS[live] = (key, _position_rows(live.venue, set(wanted)))
    return {"serverTime": live.now_ms(), "positions": cached[1]}


_POSITIONS: WeakKeyDictionary[LiveExchange, tuple[tuple[int, tuple[str, ...]], list[Any]]] = (
    WeakKeyDictionary()
)


def _position_rows(venue: Venue, wanted: set[str]) -> list[dict[str, str]]:
    rows = []
    for name in sorted(venue.accounts):
        account = venue.accounts[name]
        if account.is_system or name.startswith("@"):
            continue
        for p in account.open_positions():
            if p.symbol not in wanted:
                continue
            state = venue.symbols[p.symbol]
            rows.append(
                {
                    "symbol": p.symbol,
                    "side": "LONG" if p.quantity > 0 else "SHORT",
                    "positionAmt": d(p.quantity),
                    "entryPrice": d(entry_price(venue, p)),
                    "liquidationPrice": d(liquidation_price(venue, account, p)),
                    "notional": d(abs(notional(state, p.quantity, state.mark_price))),
                }
            )
    return rows


def open_interest(call: Call) -> dict[str, Any]:
    """Each symbol's open interest: the long quantity (in its base asset) and its notional."""
    venue = call.server.live.venue
    totals: dict[str, int] = {}
    for account in venue.accounts.values():
        for p in account.open_positions():
            if p.quantity > 0:
                totals[p.symbol] = totals.get(p.symbol, 0) + p.quantity
    return {
        "serverTime": call.server.live.now_ms(),
        "symbols": [
            {
                "symbol": s.instrument.symbol,
                "baseAsset": s.instrument.base_asset,
                # what the open interest counts, and the asset its notional is in
                "unit": "Cont" if s.instrument.is_inverse else s.instrument.base_asset,
                "notionalAsset": s.instrument.margin_asset,
                "openInterest": d(totals.get(s.instrument.symbol, 0)),
                "notional": d(notional(s, totals.get(s.instrument.symbol, 0), s.mark_price)),
                "markPrice": d(s.mark_price),
            }
            for s in _states(call)
        ],
    }


def insurance(call: Call) -> dict[str, Any]:
    """Every insurance fund's wallet now and at its lowest, per asset (a fund that never moved
    shows its balance as its lowest)."""
    venue = call.server.live.venue
    levels = call.server.live.funds.levels
    funds = {(venue.config.insurance.fund_of(s), venue.assets[s]) for s in venue.symbols}
    rows = []
    for fund, asset in sorted(funds | set(levels)):
        balance = venue.ledger.balance(fund, asset)
        level = levels.get((fund, asset))
        low = balance if level is None else level.low
        rows.append({"fund": fund, "asset": asset, "balance": d(balance), "low": d(low)})
    return {"serverTime": call.server.live.now_ms(), "funds": rows}


def insurance_history(call: Call) -> dict[str, Any]:
    """The funds' balances after each of their last ``limit`` movements (default 1000, at most
    10000), oldest first, from the history store (written first, so nothing is missing), then
    each fund's balance now."""
    limit = call.params.integer("limit", default=1000)
    assert limit is not None
    if not 1 <= limit <= 10_000:
        raise invalid("limit")
    live = call.server.live
    live.histories.write()
    store = live.histories.store
    found = store.fund_balances(limit)
    venue, now = live.venue, live.now_ms()
    # the movements' running balance starts at 0 with the history; a fund's seed came before it
    seeds = {
        key: venue.ledger.balance(*key) - level.balance for key, level in live.funds.levels.items()
    }
    points = [
        {"fund": f, "asset": a, "time": ts_ms, "balance": d(balance + seeds.get((f, a), 0))}
        for f, a, ts_ms, balance in found
    ]
    points += [  # and each fund now, so a line reaches the present
        {"fund": f, "asset": a, "time": now, "balance": d(venue.ledger.balance(f, a))}
        for f, a in sorted(seeds)
    ]
    return {"serverTime": now, "points": points}


def levels(call: Call) -> dict[str, Any]:
    """The caller's open positions with the prices a chart draws: entry, liquidation and
    bankruptcy (the mark at which the position's margin unit has nothing left; 0: never)."""
    venue = call.server.live.venue
    account = venue.accounts.get(call.account)
    held = account.open_positions() if account is not None else []
    return {
        "serverTime": call.server.live.now_ms(),
        "positions": [
            {
                "symbol": p.symbol,
                "positionSide": p.side.value,
                "positionAmt": d(p.quantity),
                "entryPrice": d(entry_price(venue, p)),
                "liquidationPrice": d(liquidation_price(venue, account, p)),
                "bankruptcyPrice": d(_bankruptcy(venue, account, p)),
            }
            for p in held
            if account is not None
        ],
    }


def _bankruptcy(venue: Venue, account: AccountState, position: PositionState) -> int:
    target = unit(venue, unit_key(venue, account, position))
    if target is None:
        return 0
    balance = balance_without(venue, target, position)
    tiers = venue.symbols[position.symbol].tiers
    return bankruptcy_price(balance, position.quantity, position.cost, tiers)


SYMBOL = Param("symbol")
ROUTES = (
    Route(
        "GET",
        "/liquidator/v1/positions",
        positions,
        weight=5,
        params=(SYMBOL,),
        summary="Every open position's liquidation price and notional (no owner names)",
    ),
    Route(
        "GET",
        "/liquidator/v1/openInterest",
        open_interest,
        params=(SYMBOL,),
        summary="Open interest per symbol, in its base asset and in notional",
    ),
    Route("GET", "/liquidator/v1/insurance", insurance, summary="The insurance funds' wallets"),
    Route(
        "GET",
        "/liquidator/v1/insurance/history",
        insurance_history,
        weight=5,
        params=(Param("limit", "integer"),),
        summary="The insurance funds' balances after each of their last movements",
    ),
    Route(
        "GET",
        "/liquidator/v1/levels",
        levels,
        Security.SIGNED,
        5,
        summary="The caller's positions' entry, liquidation and bankruptcy prices",
    ),
)
