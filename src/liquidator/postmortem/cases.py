"""Find the liquidations in a history and rebuild, for each, the position just before it.

A liquidation is a run of LIQUIDATION orders less than ten seconds apart (a partial step and
the full one that may follow it). The positions before it are rebuilt from every fill before
its first fill (:mod:`positions`); its margin unit is the order's isolated position, or every
cross position of the account. The fills of its orders, the clearance fee and a fund's cover
(INSURANCE_CLEAR rows in that window), and the funding and commissions since the positions
opened, are gathered for the loss split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liquidator.postmortem.positions import Leg
from liquidator.postmortem.records import (
    ADL,
    Evidence,
    Fill,
    ForcedOrder,
    History,
    Income,
    PostmortemError,
)

GAP_MS = 10_000  # orders closer than this belong to one liquidation


@dataclass
class Case:
    """One liquidation of one margin unit, with what came before it."""

    orders: list[ForcedOrder]
    legs: list[Leg]  # the unit's positions just before
    others: list[Leg]  # the account's other open positions then
    fills: list[Fill]  # the liquidation orders' fills
    left: list[Leg]  # the unit's positions just after
    income: list[Income]  # the unit's symbols' rows from its opening to the liquidation's end
    isolated: bool | None  # None: the source does not say
    evidence: Evidence | None = None
    adl: list[ForcedOrder] = field(default_factory=list)

    @property
    def time_ms(self) -> int:
        return self.orders[0].time_ms

    @property
    def end_ms(self) -> int:
        return max(o.time_ms for o in self.orders) + GAP_MS

    @property
    def symbols(self) -> list[str]:
        return sorted({leg.symbol for leg in self.legs})

    @property
    def opened_ms(self) -> int:
        return min((leg.opened_ms for leg in self.legs), default=self.time_ms)


def find_cases(history: History, symbol: str | None, start_ms: int, end_ms: int) -> list[Case]:
    """Return every liquidation in ``[start_ms, end_ms]`` (of ``symbol`` if given)."""
    runs = _runs([o for o in history.liquidations(None) if start_ms <= o.time_ms <= end_ms])
    cases = [_case(history, run) for run in runs]
    if symbol is not None:
        cases = [
            case for case in cases if symbol in case.symbols or case.orders[0].symbol == symbol
        ]
    return cases


def adl_orders(
    history: History, symbol: str | None, start_ms: int, end_ms: int
) -> list[ForcedOrder]:
    """Return the account's positions closed by auto-deleveraging in the range."""
    return [
        o
        for o in history.forced
        if o.kind == ADL
        and start_ms <= o.time_ms <= end_ms
        and (symbol is None or o.symbol == symbol)
    ]


def _runs(orders: list[ForcedOrder]) -> list[list[ForcedOrder]]:
    runs: list[list[ForcedOrder]] = []
    for order in orders:
        if runs and order.time_ms - runs[-1][-1].time_ms < GAP_MS:
            runs[-1].append(order)
        else:
            runs.append([order])
    return runs


def _case(history: History, orders: list[ForcedOrder]) -> Case:
    ids = {o.order_id for o in orders}
    before, after, fills = _legs_around(history.fills, ids, orders[0].time_ms, history.coin16)
    evidence = history.evidence.get(orders[0].order_id)
    isolated = _isolated(history, orders[0], evidence)
    first = (orders[0].symbol, orders[0].position_side)
    if isolated:
        unit = [leg for leg in before if leg.key == first]
    else:
        unit = [leg for leg in before if not _is_isolated(history, leg.symbol)]
        unit = unit or [leg for leg in before if leg.key == first]
    if all(leg.key != first for leg in unit):
        raise PostmortemError(
            f"order {orders[0].order_id}: no fills build the {first[0]} position it liquidated "
            "(the history must start before the position opened)"
        )
    keys = {leg.key for leg in unit}
    others = [leg for leg in before if leg.key not in keys]
    left = [leg for leg in after if leg.key in keys and leg.quantity]
    opened = min(leg.opened_ms for leg in unit)
    end = max(o.time_ms for o in orders) + GAP_MS
    symbols = {leg.symbol for leg in unit}
    income = [i for i in history.income if i.symbol in symbols and opened <= i.time_ms <= end]
    return Case(orders, unit, others, fills, left, income, isolated, evidence)


def _legs_around(
    fills: list[Fill], ids: set[int], start_ms: int, coin16: dict[str, int]
) -> tuple[list[Leg], list[Leg], list[Fill]]:
    """Return the open legs before the orders' first fill, after their last, and their fills."""
    legs: dict[tuple[str, str], Leg] = {}
    before: list[Leg] | None = None
    own: list[Fill] = []
    for fill in fills:
        mine = fill.order_id in ids
        if before is None and (mine or fill.time_ms > start_ms):
            before = [leg.copy() for leg in legs.values() if leg.quantity]
        if before is not None and not mine and fill.time_ms > start_ms + GAP_MS:
            break
        if mine:
            own.append(fill)
        key = (fill.symbol, fill.position_side)
        if key not in legs:
            legs[key] = Leg(*key, coin16=coin16.get(fill.symbol, 0))
        legs[key].apply(fill)
    if before is None:
        before = [leg.copy() for leg in legs.values() if leg.quantity]
    return before, [leg.copy() for leg in legs.values()], own


def _isolated(history: History, order: ForcedOrder, evidence: Evidence | None) -> bool | None:
    if evidence is not None:
        return evidence.isolated
    kind = history.margin_types.get(order.symbol)
    return None if kind is None else kind == "isolated"


def _is_isolated(history: History, symbol: str) -> bool:
    return history.margin_types.get(symbol) == "isolated"
