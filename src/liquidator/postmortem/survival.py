"""What would have survived the worst mark, and a stop that would have saved the margin.

* **Margin**: the least wallet that keeps the unit above maintenance at the worst mark seen
  after the opening (``maintenance - unrealized + 1`` there, exact).
* **Leverage**: the position's notional at entry over that margin, rounded down.
* **Stop**: a stop-market order fills where the market is when it triggers, not at its price.
  Its fill is taken as the first mark the path shows at or beyond the stop (the 1-minute bars'
  high/low when only bars are known: a gap fills at the gap's end), less Binance's taker fee
  (0.05%). The stop suggested is the farthest from entry (the most room) whose loss, with that
  slippage, the commissions and funding, keeps at least half the margin; when the path gapped
  from near the entry to beyond the liquidation price, no stop could have, and the report says so.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.positions import Leg

TAKER_RATE = 50_000  # 0.05% (raw), Binance USDⓈ-M's regular taker fee
KEEP = 2  # a stop keeps at least 1/KEEP of the margin


@dataclass(frozen=True, slots=True)
class Stop:
    price: int
    fill: int  # where it would have filled
    loss: int  # positive: what it would have cost, fees and funding included


@dataclass(frozen=True, slots=True)
class Survival:
    worst_mark: int
    margin_needed: int
    extra_margin: int
    max_leverage: int  # 0: not even 1x
    stop: Stop | None
    gap: tuple[int, int] | None  # (from, to): the step that jumped past every useful stop
    closest: Stop | None = None  # no stop kept half: the one a tick from the entry, for scale


def stop_for(
    leg: Leg, path: list[tuple[int, int]], wallet: int, costs: int, tick: int, liquidation: int
) -> tuple[Stop | None, tuple[int, int] | None]:
    """Return the farthest stop that keeps half of ``wallet``; or, when none does, the stop a
    tick from the entry (if even it loses more) or the gap that jumped past every stop.

    ``costs`` are the commissions and funding already paid (positive), ``path`` the marks from
    the opening on, ``liquidation`` our liquidation price.
    """
    long = leg.quantity > 0
    entry = leg.entry()
    extremes = _running_extremes(path, long)
    budget = wallet // KEEP

    def stop_at(price: int) -> Stop:
        fill = _fill(extremes, price, long)
        return Stop(price, fill, _loss(leg, fill, costs))

    side = -1 if long else 1
    lo, hi = 1, abs(entry - liquidation) // tick  # ticks from the entry
    best: Stop | None = None
    while lo <= hi:
        middle = (lo + hi) // 2
        candidate = stop_at(_on_tick(entry + side * middle * tick, tick, long))
        if candidate.loss <= budget:
            best, lo = candidate, middle + 1
        else:
            hi = middle - 1
    if best is not None:
        return best, None
    closest = stop_at(_on_tick(entry + side * tick, tick, long))
    if closest.loss > budget:
        return closest, None
    return None, _gap(path, entry, liquidation, long)


def _on_tick(price: int, tick: int, long: bool) -> int:
    return price - price % tick if long else -(-price // tick) * tick


def _running_extremes(path: list[tuple[int, int]], long: bool) -> list[tuple[int, int]]:
    """Return (key, mark) where key is the running worst, as a sortable list."""
    worst: int | None = None
    keyed: list[tuple[int, int]] = []
    for _, mark in path:
        if worst is None or (mark < worst if long else mark > worst):
            worst = mark
            keyed.append((-mark if long else mark, mark))
    return keyed


def _fill(extremes: list[tuple[int, int]], stop: int, long: bool) -> int:
    """Return the first mark at or beyond ``stop``: the running worst as it passes."""
    index = bisect_left(extremes, (-stop if long else stop, -(2**62)))
    if index >= len(extremes):
        return stop
    return extremes[index][1]


def _loss(leg: Leg, fill: int, costs: int) -> int:
    moved = -leg.pnl16(fill) // SCALE
    fee = -(-leg.notional16(abs(leg.quantity), fill) * TAKER_RATE // (SCALE * SCALE))
    return moved + fee + costs


def _gap(
    path: list[tuple[int, int]], entry: int, liquidation: int, long: bool
) -> tuple[int, int] | None:
    previous = entry
    for _, mark in path:
        beyond = mark <= liquidation if long else mark >= liquidation
        if beyond:
            return previous, mark
        previous = mark
    return None


def survival(
    legs: list[Leg],
    worst: int,
    needed: int,
    wallet: int,
    stop: tuple[Stop | None, tuple[int, int] | None],
) -> Survival:
    """Return what would have survived (leverage: the unit's notional at entry over ``needed``)."""
    notional = sum(abs(leg.cost) for leg in legs) // SCALE
    found, gap = stop
    kept = found is not None and found.loss <= wallet // KEEP
    return Survival(
        worst_mark=worst,
        margin_needed=needed,
        extra_margin=max(0, needed - wallet),
        max_leverage=notional // needed if needed > 0 else 0,
        stop=found if kept else None,
        gap=gap,
        closest=None if kept else found,
    )
