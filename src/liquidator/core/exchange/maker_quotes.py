"""The built-in market maker's quotes: the ladder of resting limit orders to hold around the mark.

On every mark update the engine asks for the ladder, cancels the orders it holds and places these.
Prices, quantities, ticks and steps are raw fixed-point ints (10**-8 units, see ``fixed``);
spreads and offsets are whole basis points of the mark. Every value is exact until its one named
rounding. For level ``i`` (0 = best) with ``offset_bps = spread_bps / 2 + i * level_step_bps``::

    bid      = mark * (1 - offset_bps / 10_000)                          down to the tick
    ask      = mark * (1 + offset_bps / 10_000)                          up to the tick
    quantity = quantity * (1 + growth_pct / 100)**i
               * max(ref / (ref + v), min_depth_pct / 100)               down to the step

``v`` is the recent volatility in bps (``VolatilityEstimate.bps``): a nervous market thins the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from math import floor
from typing import Final

from liquidator.core.money.scaled import ceil_div

BPS: Final = 10_000
#: ``VolatilityEstimate`` works in centi-basis-points: 1 unit = 10**-6 of the previous mark.
CENTI_BPS: Final = 100 * BPS
#: Denominator of the per-update decay factor: it is held as a whole number of billionths.
DECAY_SCALE: Final = 10**9


@dataclass(frozen=True, slots=True)
class MarketMakerConfig:
    """How wide, deep and thick the ladder is, and how much it thins when the market moves."""

    spread_bps: int = 2
    levels: int = 10
    level_step_bps: int = 5
    quantity_raw: int = 10**8
    depth_growth_pct: int = 20
    volatility_reference_bps: int = 20
    min_depth_pct: int = 10
    volatility_half_life: int = 20
    requote_bps: int = (
        0  # keep a full ladder until the mark is this far from its middle (0: always)
    )

    def __post_init__(self) -> None:
        if not 0 <= self.spread_bps < 2 * BPS:
            raise ValueError(f"spread_bps must be in [0, 20000), got {self.spread_bps}")
        if self.levels < 1:
            raise ValueError(f"levels must be at least 1, got {self.levels}")
        if self.level_step_bps < 1:
            raise ValueError(f"level_step_bps must be at least 1, got {self.level_step_bps}")
        if self.quantity_raw < 1:
            raise ValueError(f"quantity_raw must be positive, got {self.quantity_raw}")
        if self.depth_growth_pct < 0:
            raise ValueError(f"depth_growth_pct must not be negative, got {self.depth_growth_pct}")
        if self.volatility_reference_bps < 1:
            reference = self.volatility_reference_bps
            raise ValueError(f"volatility_reference_bps must be at least 1, got {reference}")
        if not 0 <= self.min_depth_pct <= 100:
            raise ValueError(f"min_depth_pct must be in [0, 100], got {self.min_depth_pct}")
        if self.volatility_half_life < 1:
            half_life = self.volatility_half_life
            raise ValueError(f"volatility_half_life must be at least 1, got {half_life}")


@cache
def _decay_per_update(half_life: int) -> int:
    """Return ``2**(-1/half_life)`` in billionths, rounded down: the largest k, 2 k**h <= D**h."""
    low, high = 0, DECAY_SCALE
    while low < high:
        middle = (low + high + 1) // 2
        if 2 * middle**half_life <= DECAY_SCALE**half_life:
            low = middle
        else:
            high = middle - 1
    return low


class VolatilityEstimate:
    """Track an exponentially weighted moving average of |mark change|, in centi-bps.

    Unit: centi-basis-points (1 = 10**-6 of the previous mark). Each update after the first::

        sample   = |mark - previous| / previous * 1_000_000
        estimate = floor(estimate * keep + sample * (1 - keep))

    with ``keep = 2**(-1/half_life)`` in whole billionths rounded down, so a reading loses half
    its weight after ``half_life`` updates (a hair sooner). The single floor per update lets a
    quiet market bring the estimate all the way back to 0. The first update only records the mark.
    """

    __slots__ = ("_centi_bps", "_keep", "_previous_mark_raw", "half_life")

    def __init__(self, half_life: int = 20) -> None:
        if half_life < 1:
            raise ValueError(f"half_life must be at least 1, got {half_life}")
        self.half_life = half_life
        self._keep = _decay_per_update(half_life)
        self._centi_bps = 0
        self._previous_mark_raw: int | None = None

    def update(self, mark_raw: int) -> None:
        """Fold the move from the previous mark into the estimate (see the class formula)."""
        if mark_raw <= 0:
            raise ValueError(f"mark must be positive, got {mark_raw}")
        previous = self._previous_mark_raw
        self._previous_mark_raw = mark_raw
        if previous is None:
            return
        move = abs(mark_raw - previous) * CENTI_BPS
        numerator = self._centi_bps * self._keep * previous + move * (DECAY_SCALE - self._keep)
        self._centi_bps = numerator // (DECAY_SCALE * previous)

    @property
    def centi_bps(self) -> int:
        """The estimate in centi-basis-points, as held."""
        return self._centi_bps

    @property
    def bps(self) -> int:
        """The estimate in basis points: ``centi_bps / 100`` rounded half-even."""
        return round(Fraction(self._centi_bps, 100))

    def to_state(self) -> list[int]:
        """Return ``[centi_bps]``, or ``[centi_bps, previous_mark_raw]`` once a mark is known."""
        previous = self._previous_mark_raw
        return [self._centi_bps] if previous is None else [self._centi_bps, previous]

    @classmethod
    def from_state(cls, half_life: int, state: list[int]) -> VolatilityEstimate:
        """Rebuild an estimate from ``to_state``'s list."""
        if len(state) not in (1, 2) or state[0] < 0 or (len(state) == 2 and state[1] <= 0):
            raise ValueError(f"not a volatility state: {state!r}")
        estimate = cls(half_life)
        estimate._centi_bps = state[0]
        estimate._previous_mark_raw = state[1] if len(state) == 2 else None
        return estimate


@dataclass(frozen=True, slots=True)
class Quote:
    """One resting limit order of the ladder."""

    side: str
    price_raw: int
    quantity_raw: int

    def __post_init__(self) -> None:
        if self.side not in ("BUY", "SELL"):
            raise ValueError(f"side must be BUY or SELL, got {self.side!r}")
        if self.price_raw <= 0 or self.quantity_raw <= 0:
            raise ValueError(f"a quote needs a positive price and quantity: {self!r}")


def quotes(
    *,
    mark_raw: int,
    tick_raw: int,
    step_raw: int,
    min_qty_raw: int,
    config: MarketMakerConfig,
    volatility_bps: int = 0,
) -> list[Quote]:
    """Return the ladder to hold: bids best first, then asks best first.

    Prices follow the module formula. The best bid is also kept strictly below the mark and the
    best ask strictly above it, so even a zero spread on a mark that sits on a tick quotes one
    tick either side. A level whose price repeats the previous one on its side, or is not
    positive, is skipped; so is one whose quantity, floored to the step, is under ``min_qty_raw``
    (or zero).
    """
    if mark_raw <= 0 or tick_raw <= 0 or step_raw <= 0:
        raise ValueError(
            f"mark, tick and step must be positive: {mark_raw}, {tick_raw}, {step_raw}"
        )
    if min_qty_raw < 0 or volatility_bps < 0:
        raise ValueError(
            f"min_qty and volatility must not be negative: {min_qty_raw}, {volatility_bps}"
        )
    reference = config.volatility_reference_bps
    thinning = max(
        Fraction(reference, reference + volatility_bps), Fraction(config.min_depth_pct, 100)
    )
    bids: list[Quote] = []
    asks: list[Quote] = []
    for level in range(config.levels):
        quantity = _level_quantity(config, level, thinning, step_raw)
        if quantity < max(min_qty_raw, 1):
            continue
        # Offset in half-basis-points keeps an odd spread exact: 2 * offset_bps.
        half_bps = config.spread_bps + 2 * level * config.level_step_bps
        below = mark_raw * (2 * BPS - half_bps)
        above = mark_raw * (2 * BPS + half_bps)
        bid_ticks = min(below // (2 * BPS * tick_raw), ceil_div(mark_raw, tick_raw) - 1)
        ask_ticks = max(ceil_div(above, 2 * BPS * tick_raw), mark_raw // tick_raw + 1)
        if bid_ticks > 0 and (not bids or bid_ticks * tick_raw < bids[-1].price_raw):
            bids.append(Quote("BUY", bid_ticks * tick_raw, quantity))
        if not asks or ask_ticks * tick_raw > asks[-1].price_raw:
            asks.append(Quote("SELL", ask_ticks * tick_raw, quantity))
    return bids + asks


def _level_quantity(
    config: MarketMakerConfig, level: int, thinning: Fraction, step_raw: int
) -> int:
    """Return level ``level``'s quantity (module formula), rounded down to the step."""
    growth = Fraction(100 + config.depth_growth_pct, 100) ** level
    return floor(config.quantity_raw * growth * thinning / step_raw) * step_raw
