"""The risk check that runs inside every command: margin calls and liquidations, from the index.

After each command (and after each price move inside one) the engine calls :func:`sweep`:

1. units whose wallet or positions changed are re-indexed (``units.refresh``);
2. each symbol's heaps give up the units the mark reached (liquidation and margin-call prices,
   the bands of multi-position units); hot units of a symbol whose mark moved, and dirty
   multi-position units, come too;
3. every candidate is checked with the exact figures: a unit at 100% is liquidated
   (``liquidation.liquidate``), after a MARGIN_CALL if it had none; a unit past the margin-call
   threshold gets one MARGIN_CALL per crossing; a called unit back below it is re-armed;
4. entries the exact check did not confirm go back; liquidations change other units (the
   book's makers, the fund, ADL counterparties), so it repeats until nothing is left to do.

A sweep that finds no unit changed and every mark where the last sweep left them with nothing to
do returns at once: the same units at the same marks give the same answers (most commands, a
resting order or a cancel, change no margin unit).

Candidates are handled in name order, so the outcome does not depend on heap order.
"""

from __future__ import annotations

from typing import Final

from liquidator.core.exchange.events import Event, MarginCallIssued
from liquidator.core.exchange.venue import Venue
from liquidator.core.margin.unit import Figures, Unit
from liquidator.core.risk.index import Hit, Popped, RiskIndex, UnitKey
from liquidator.core.risk.insurance_groups import is_fund
from liquidator.core.risk.liquidation import is_breached, liquidate
from liquidator.core.risk.venue_units import refresh, unit, unit_figures

MAX_ROUNDS: Final = 10_000  # every round liquidates or calls someone; a venue runs out long before


def sweep(venue: Venue, out: list[Event]) -> None:
    """Issue due margin calls and liquidate every breached unit (see the module docstring)."""
    index = venue.risk
    index.adl_rankings.clear()  # ADL ranks once per sweep, at the marks it runs at
    index.absorb(out, venue.assets)
    if not index.dirty and _marks_are(venue, index.quiet_marks):
        return  # nothing changed since a sweep that found nothing to do: it would find it again
    for _ in range(MAX_ROUNDS):
        keys = set(refresh(venue))
        popped = _reached(venue, keys)
        if not keys and not popped:  # the common case: a move that reached nobody
            index.quiet_marks = _marks(venue)
            return
        for hit in popped:
            keys.add(hit.unit)
        acted, unconfirmed = _act(venue, sorted(keys), out)
        _put_back(index, popped, unconfirmed)
        if not acted:
            index.quiet_marks = _marks(venue)
            return
        index.absorb(out, venue.assets)  # what acting changed, for the next round
    raise RuntimeError("the risk sweep did not settle")  # a broken invariant: stop


def _reached(venue: Venue, keys: set[UnitKey]) -> list[Popped]:
    """Pop every entry the marks reach; add the hot units of each moved symbol to ``keys``."""
    index = venue.risk
    popped: list[Popped] = []
    for symbol, state in venue.symbols.items():
        mark = state.mark_price
        if mark > 0:
            popped.extend(index.reached(symbol, mark))
            if index.hot[symbol] and index.moved(symbol, mark):
                keys.update(index.hot[symbol])
    return popped


def _put_back(index: RiskIndex, popped: list[Popped], unconfirmed: set[UnitKey]) -> None:
    """Keep the entries of units left as they were, except a band left behind: re-band it."""
    index.restore([hit for hit in popped if hit.unit in unconfirmed and hit.hit != Hit.BAND])
    for hit in popped:
        if hit.hit == Hit.BAND:
            index.dirty.add(hit.unit)


def _marks(venue: Venue) -> tuple[int, ...]:
    """Return every symbol's mark, in symbol order."""
    return tuple([state.mark_price for state in venue.symbol_states])


def _marks_are(venue: Venue, marks: tuple[int, ...]) -> bool:
    """Tell whether every symbol's mark is ``marks`` (in symbol order), building nothing."""
    states = venue.symbol_states
    if len(marks) != len(states):
        return False
    return all(state.mark_price == marks[position] for position, state in enumerate(states))


def _act(venue: Venue, keys: list[UnitKey], out: list[Event]) -> tuple[bool, set[UnitKey]]:
    """Check each unit exactly and act; return (anything done, units left as they were)."""
    threshold = venue.config.margin_call_threshold
    acted = False
    untouched: set[UnitKey] = set()
    for key in keys:
        target = unit(venue, key)
        if target is None or not target.positions:
            continue
        current = unit_figures(venue, target)
        called = key in venue.margin_called
        if is_breached(target, current):
            if not called and not is_fund(key[0]):
                _call(venue, key, target, current, out)
            liquidate(venue, key, out)
            acted = True
        elif current.ratio_at_least(threshold) and not is_fund(key[0]):
            if not called:
                _call(venue, key, target, current, out)
                acted = True
            else:
                untouched.add(key)
        elif called:
            venue.margin_called.discard(key)
            venue.risk.dirty.add(key)  # index its margin-call price again
            acted = True
        else:
            untouched.add(key)
    return acted, untouched


def _call(venue: Venue, key: UnitKey, target: Unit, current: Figures, out: list[Event]) -> None:
    venue.margin_called.add(key)
    venue.risk.dirty.add(key)  # swap its margin-call entry for a re-arm entry
    out.append(
        MarginCallIssued(
            target.account.account,
            target.wallet_key,
            target.asset,
            current.margin_balance,
            current.maintenance,
            venue.now_ms,
        )
    )
