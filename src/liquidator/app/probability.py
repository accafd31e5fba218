"""The chance that the mark reaches a liquidation price within a horizon, and a safe leverage.

Model: geometric Brownian motion ``dS = sigma S dW`` (no drift in the price: a martingale),
so ``log S`` is a Brownian motion with drift ``-sigma**2 / 2``: log-normal, not driftless.
For a long liquidated at ``L < S0``, with
``a = ln(S0 / L)``, ``s = sigma sqrt(T)``, the first-passage probability is

    P = Phi((-a + s**2/2) / s) + e**a Phi((-a - s**2/2) / s)

and for a short liquidated at ``L > S0``, with ``b = ln(L / S0)``,

    P = Phi((-b - s**2/2) / s) + e**(-b) Phi((-b + s**2/2) / s).

(Reflection for Brownian motion with drift; checked against a seeded Monte Carlo in the tests.)
A probability is not money: these are floats. The volatility is annualised (``sigma`` per
sqrt(year)); :func:`volatility` estimates it from closes (log returns, sample deviation).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Sequence

YEAR_MS = 365 * 24 * 3_600_000


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def first_passage(start: float, barrier: float, sigma: float, horizon_ms: int) -> float:
    """Return P(the price touches ``barrier`` within ``horizon_ms``), from ``start``."""
    if start <= 0 or barrier <= 0 or sigma < 0 or horizon_ms < 0:
        raise ValueError("prices positive, sigma and horizon not negative")
    if barrier == start:
        return 1.0
    s = sigma * math.sqrt(horizon_ms / YEAR_MS)
    if s == 0:
        return 0.0
    if barrier < start:
        a = math.log(start / barrier)
        return min(
            1.0, normal_cdf((-a + s * s / 2) / s) + math.exp(a) * normal_cdf((-a - s * s / 2) / s)
        )
    b = math.log(barrier / start)
    return min(
        1.0, normal_cdf((-b - s * s / 2) / s) + math.exp(-b) * normal_cdf((-b + s * s / 2) / s)
    )


def monte_carlo(
    start: float, barrier: float, sigma: float, horizon_ms: int, paths: int, steps: int, seed: int
) -> float:
    """Estimate the same probability by simulating ``paths`` paths of ``steps`` steps."""
    rng = random.Random(seed)
    dt = horizon_ms / YEAR_MS / steps
    drift, scale = -sigma * sigma * dt / 2, sigma * math.sqrt(dt)
    below = barrier < start
    target = math.log(barrier / start)
    hits = 0
    for _ in range(paths):
        x = 0.0
        for _ in range(steps):
            x += drift + scale * rng.gauss(0.0, 1.0)
            if (x <= target) if below else (x >= target):
                hits += 1
                break
    return hits / paths


def volatility(closes: Sequence[float], interval_ms: int) -> float:
    """Return the annualised volatility of ``closes`` taken every ``interval_ms``."""
    if len(closes) < 3:
        raise ValueError("at least three prices are needed to estimate a volatility")
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    return statistics.stdev(returns) * math.sqrt(YEAR_MS / interval_ms)
