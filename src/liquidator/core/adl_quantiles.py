"""The ADL quantile of every open position, recomputed on a schedule (Binance: every 30 s).

Each position's place among its side's positions in the symbol by ``adl.Candidate.score``
(0: the last to be deleveraged, 4: the first). Held in the state (``SymbolState.adl_quantiles``)
so that ``/fapi/v1/adlQuantile`` and positionRisk's ``adl`` show the last computed values.
"""

from __future__ import annotations

from liquidator.core import adl
from liquidator.core.events import AdlQuantilesUpdated, Event
from liquidator.core.fixed import SCALE
from liquidator.core.risk_index import UnitKey
from liquidator.core.units import unit, unit_figures, unit_key
from liquidator.core.venue import SymbolState, Venue


def update_quantiles(venue: Venue, state: SymbolState, out: list[Event]) -> None:
    """Recompute the quantiles of ``state``'s symbol from its positions at the mark."""
    symbol, mark = state.instrument.symbol, state.mark_price
    longs: list[adl.Candidate] = []
    shorts: list[adl.Candidate] = []
    balances: dict[UnitKey, int] = {}
    for (name, side), quantity in state.holders.items():
        account = venue.accounts[name]
        if account.is_system:
            continue
        position = account.positions[(symbol, side)]
        key = unit_key(venue, account, position)
        if key not in balances:
            target = unit(venue, key)
            balances[key] = unit_figures(venue, target).margin_balance if target else 0
        candidate = adl.Candidate(
            name,
            side.value,
            abs(quantity),
            (quantity * mark - position.cost) // SCALE,
            abs(quantity) * mark // SCALE,
            balances[key],
        )
        (longs if quantity > 0 else shorts).append(candidate)
    state.adl_quantiles = {**adl.quantiles(longs), **adl.quantiles(shorts)}
    if state.adl_quantiles:
        out.append(AdlQuantilesUpdated(symbol, len(state.adl_quantiles), venue.now_ms))
