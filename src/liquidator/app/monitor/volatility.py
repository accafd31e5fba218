"""Recent volatility, to state a distance to liquidation in standard deviations.

A statistic, not money: floats. From 1-minute mark-price closes over a window (24 h by
default), the sample standard deviation of the log returns, scaled to one day
(``sigma_1d = sigma_1m * sqrt(1440)``). The distance is ``|ln(liquidation / mark)| / sigma_1d``:
how many daily standard deviations the mark must move (log-normal prices).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from decimal import Decimal

MINUTES_PER_DAY = 1440


def daily_sigma(closes: Sequence[Decimal]) -> float | None:
    """Return the daily standard deviation of log returns of 1-minute ``closes``.

    None with fewer than three closes or a non-positive close; 0.0 for a flat series.
    """
    if len(closes) < 3 or any(close <= 0 for close in closes):
        return None
    logs = [math.log(float(close)) for close in closes]
    returns = [later - earlier for earlier, later in itertools.pairwise(logs)]
    return statistics.stdev(returns) * math.sqrt(MINUTES_PER_DAY)


def sigma_distance(mark: Decimal, liquidation: Decimal | None, sigma: float | None) -> float | None:
    """Return the distance from ``mark`` to ``liquidation`` in daily standard deviations.

    None when there is no liquidation price or no volatility to measure it with.
    """
    if liquidation is None or liquidation <= 0 or mark <= 0 or not sigma:
        return None
    return abs(math.log(float(liquidation) / float(mark))) / sigma
