"""The risk index's float screen: the one place in the core where binary floats are allowed.

A float never decides anything about money here. The screen finds *where to look*: the mark at
which a one-position unit could reach a threshold, widened toward the mark by a bound on the
float error, so that the index pops the unit no later than the exact trigger price would; the
sweep then confirms or dismisses it with the exact integer figures (``margin_unit.figures``).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Final

from liquidator.core.exchange.account_state import PositionState
from liquidator.core.margin.unit import Holding, IntTiers, safe_direction, trigger_price
from liquidator.core.money.scaled import SCALE


class FloatTiers:
    """A bracket table's floors (10**-16), rates and cums (raw) as floats, for the screen."""

    __slots__ = ("cums", "floors16", "rates", "rates_up_to", "source")

    def __init__(self, tiers: IntTiers) -> None:
        self.source = tiers
        self.floors16 = [float(floor) for floor in tiers.floors16]
        self.rates = [float(rate) for rate in tiers.rates]
        self.cums = [float(cum) for cum in tiers.cums]
        self.rates_up_to = [float(rate) for rate in tiers.rates_up_to]


# The float screen's error allowance, per unit of the largest term: each float operation is
# exact to 2**-53 (1.1e-16) of its result, and the handful below stay within 1e-15 of their
# largest term; the screen allows a thousand times that. A slope cancelled to a millionth of
# its terms (a threshold near the bracket's rate) is left to the exact solution.
SCREEN_ERROR: Final = 1e-12
SCREEN_CANCEL: Final = 1e6


def screen_price(
    wallet: int,
    quantity: int,
    cost: int,
    tiers: IntTiers,
    floats: FloatTiers,
    *,
    threshold: int = SCALE,
) -> int:
    """Return a trigger price for the index that never flags later than :func:`trigger_price`.

    The same equation solved in floats (the integer solution's products run to 120 bits, and
    cost ten times as much), then widened toward the mark by a bound on the float error, the
    roundings of the exact check and one part in 10**9: the index pops the unit a hair early at
    worst, and the sweep's exact check decides. Where the float error could put the root in
    another bracket (a root at a bracket's edge) or the slope cancels, the exact
    :func:`trigger_price` answers instead.
    """
    if floats.source is not tiers or tiers.coin16:  # not this table's floats, or inverse
        return trigger_price(wallet, quantity, cost, tiers, threshold=threshold)
    q = float(quantity)
    size = abs(q)
    t = float(threshold)
    s1 = float(SCALE)
    s2 = s1 * s1
    cost_term, wallet_term = float(cost) * s1 * t, float(wallet) * s2 * t
    count = len(floats.rates)
    for index in range(count):
        own, maintained = q * s1 * t, size * floats.rates[index] * s1
        slope = own - maintained
        terms = abs(own) + abs(maintained)
        if abs(slope) * SCREEN_CANCEL <= terms:
            return trigger_price(wallet, quantity, cost, tiers, threshold=threshold)
        cum_term = floats.cums[index] * s2 * s1
        root = (cost_term - wallet_term - cum_term) / slope
        largest = abs(cost_term) + abs(wallet_term) + abs(cum_term)
        error = SCREEN_ERROR * (largest + abs(root) * terms) / abs(slope) + 2.0
        low, high = size * (root - error), size * (root + error)  # where the notional may be
        if index > 0 and high < floats.floors16[index]:
            continue  # below this bracket for sure
        if index + 1 < count and low > floats.floors16[index + 1]:
            continue  # above it for sure
        if (index > 0 and low < floats.floors16[index]) or (
            index + 1 < count and high > floats.floors16[index + 1]
        ):
            return trigger_price(wallet, quantity, cost, tiers, threshold=threshold)
        margin = 3.0 * s2 * s1 / abs(slope) + 2.0 + error + abs(root) * 1e-9
        if quantity > 0:
            return max(0, int(root + margin) + 1)
        return max(1, int(root - margin) - 1)
    return trigger_price(wallet, quantity, cost, tiers, threshold=threshold)


def screen_bands(
    wallet: int,
    positions: list[PositionState],
    held: dict[str, Holding],
    marks: dict[str, int],
    screens: dict[str, FloatTiers],
    threshold: int,
) -> list[tuple[str, int, int, int]] | None:
    """Return an uncalled multi-position unit's bands, or None where only exact figures will do.

    The bands of ``margin_unit.band_budgets`` and ``band_room`` in floats, each budget shrunk
    by a bound on the float error first and each room floored and trimmed by one part in
    10**9: a band never reaches past the exact one. None when a shrunk budget is not positive:
    the unit is near a threshold, and the caller works it out exactly (and checks it at once).
    A unit given bands here is, exactly, below the threshold and far from liquidation: it
    needs no check. ``held`` is ``margin_unit.held_sides`` of the positions (size and side per
    symbol).
    """
    s1 = float(SCALE)
    s2 = s1 * s1
    balance = float(wallet)
    maintenance = 0.0
    magnitude = abs(balance)  # the largest terms: the float error is a fraction of their sum
    for position in positions:
        symbol, quantity = position.symbol, position.quantity
        floats = screens[symbol]
        if floats.source.coin16:
            return None  # inverse: the exact bands (``margin_unit.band_room``)
        q, mark = float(quantity), float(marks[symbol])
        notional = abs(q) * mark
        balance += (q * mark - float(position.cost)) / s1
        index = _bracket(floats, notional)
        if (index > 0 and notional <= floats.floors16[index] * (1.0 + SCREEN_ERROR)) or (
            index + 1 < len(floats.floors16)
            and notional >= floats.floors16[index + 1] * (1.0 - SCREEN_ERROR)
        ):
            return None  # at a bracket's edge: which rate applies is the exact figures' call
        required = notional * floats.rates[index] / s2 - floats.cums[index]
        maintenance += required
        magnitude += 2.0 * notional / s1 + abs(float(position.cost)) / s1 + abs(required)
    # raw units, on the balance and on the maintenance: the float error, and the exact
    # figures' floor (PnL) and ceiling (maintenance) of each position
    error = SCREEN_ERROR * magnitude + 2.0 + len(positions)
    slack = 4.0 * len(positions) + 4.0  # the exact check's roundings (``band_budgets``)
    t = float(threshold)
    budgets = (
        (s1 * (balance - maintenance - slack - 2.0 * error), s1),
        (t * (balance - error) - s1 * (maintenance + error) - (t + s1) * slack, t),
    )
    if budgets[0][0] <= 0.0 or budgets[1][0] <= 0.0:
        return None
    bands: list[tuple[str, int, int, int]] = []
    for symbol, (held_size, sign) in held.items():
        floats, at, size = screens[symbol], marks[symbol], float(held_size)
        rate = floats.rates_up_to[_bracket(floats, 2.0 * size * float(at) * (1.0 + 1e-9))]
        room = float(at // 2)
        for budget, level in budgets:
            room = min(room, budget * s1 / (len(held) * size * (level + rate)))
        room = room * (1.0 - 1e-9) - 1.0
        if room < 1.0:
            return None
        direction = safe_direction(sign, floats.source, threshold)
        bands.append((symbol, at, int(room), direction))
    return bands


def _bracket(floats: FloatTiers, notional16: float) -> int:
    """Return the bracket holding ``notional16`` (the last whose floor is at most it)."""
    return max(0, bisect_right(floats.floors16, notional16) - 1)
