"""The risk index's float screen: the one place in the core where binary floats are allowed.

A float never decides anything about money here. The screen finds *where to look*: the mark at
which a one-position unit could reach a threshold, widened toward the mark by a bound on the
float error, so that the index pops the unit no later than the exact trigger price would; the
sweep then confirms or dismisses it with the exact integer figures (``margin_unit.figures``).
"""

from __future__ import annotations

from liquidator.core.margin_unit import IntTiers, trigger_price
from liquidator.core.scaled import SCALE


class FloatTiers:
    """A bracket table's floors (10**-16), rates and cums (raw) as floats, for the screen."""

    __slots__ = ("cums", "floors16", "rates", "source")

    def __init__(self, tiers: IntTiers) -> None:
        self.source = tiers
        self.floors16 = [float(floor) for floor in tiers.floors16]
        self.rates = [float(rate) for rate in tiers.rates]
        self.cums = [float(cum) for cum in tiers.cums]


# The float screen's error allowance, per unit of the largest term: each float operation is
# exact to 2**-53 (1.1e-16) of its result, and the handful below stay within 1e-15 of their
# largest term; the screen allows a thousand times that. A slope cancelled to a millionth of
# its terms (a threshold near the bracket's rate) is left to the exact solution.
SCREEN_ERROR = 1e-12
SCREEN_CANCEL = 1e6


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
    if floats.source is not tiers:  # not this table's floats: no screen
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
