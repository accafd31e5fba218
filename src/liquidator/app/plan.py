"""``liquidator plan``: the leverage, size and stop that keep the chance of liquidation low.

For a symbol, a side, a capital put up as isolated margin and a horizon, every leverage the
brackets allow is tried: the position is ``capital x leverage`` at the last close, its exact
liquidation price comes from the core (``boundary_price``), and its chance of being reached
within the horizon comes from two models of the 1-minute returns in the data:

* **log-normal**: geometric Brownian motion with drift ``-sigma**2 / 2`` (the price a
  martingale), ``sigma`` the returns' sample deviation annualised, the first-passage formula
  of :mod:`probability`;
* **bootstrap**: paths drawn from the real returns in blocks of an hour (volatility comes in
  clusters), so crashes in the data come back with their fat tails; the chance is the share
  of paths whose worst point reaches the liquidation price. Seeded: the same data give the same
  answer.

The plan is the highest leverage whose chance stays within the target under both models; its
stop sits halfway to the liquidation price, filled one bad minute late (the 99.9th percentile
of the adverse 1-minute returns), and its loss is set against the loss at liquidation.
Probabilities are floats (they are not money); prices and amounts are exact integers.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction

from liquidator.app.probability import YEAR_MS, first_passage
from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.margin.unit import IntTiers, boundary_price
from liquidator.core.money.scaled import SCALE

MINUTE_MS = 60_000
BLOCK_MINUTES = 60
TAKER_RATE = 50_000  # 0.05% (raw)
SHORT_DATA_MINUTES = 1_440  # under a day of data, an annualised volatility means little


@dataclass(frozen=True, slots=True)
class Market1m:
    """What the plan is computed from: the symbol's contract and its recent 1-minute closes."""

    table: BracketTable
    tick: int
    step: int
    closes: list[int]  # raw prices, oldest first


@dataclass(frozen=True, slots=True)
class Candidate:
    leverage: int
    quantity: int
    margin: int
    liquidation_price: int
    p_lognormal: float
    p_bootstrap: float

    @property
    def worst(self) -> float:
        return max(self.p_lognormal, self.p_bootstrap)


@dataclass(frozen=True, slots=True)
class Stop:
    price: int
    fill: int
    loss: int
    p_hit: float  # bootstrap: the chance the stop triggers within the horizon


@dataclass(frozen=True, slots=True)
class Plan:
    entry: int
    sigma: float
    minutes: int
    warnings: list[str]
    candidates: list[Candidate]
    chosen: Candidate | None
    stop: Stop | None
    loss_at_liquidation: int


def log_returns(closes: list[int]) -> list[float]:
    """Return the 1-minute log returns (floats: a model's input, not money)."""
    if len(closes) < 3 or min(closes) <= 0:
        raise ValueError("at least three positive 1-minute closes are needed")
    return [math.log(b / a) for a, b in itertools.pairwise(closes)]


def annualised(returns: list[float]) -> float:
    mean = sum(returns) / len(returns)
    variance = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    return math.sqrt(variance * YEAR_MS / MINUTE_MS)


def worst_excursions(
    returns: list[float], minutes: int, long: bool, paths: int, seed: int
) -> list[float]:
    """Return, per bootstrapped path of ``minutes``, its worst log move against the side."""
    rng = random.Random(seed)
    block = min(BLOCK_MINUTES, len(returns))
    signed = returns if long else [-r for r in returns]
    starts = range(len(signed) - block + 1)
    worst: list[float] = []
    for _ in range(paths):
        steps: list[float] = []
        while len(steps) < minutes:
            start = rng.choice(starts)
            steps += signed[start : start + block]
        worst.append(min(0.0, *itertools.accumulate(steps[:minutes])))
    return worst


def _chance(excursions: list[float], entry: int, liquidation: int, long: bool) -> float:
    if liquidation <= 0:
        return 0.0
    barrier = math.log(liquidation / entry) if long else -math.log(liquidation / entry)
    return sum(1 for w in excursions if w <= barrier) / len(excursions)


def build_plan(
    data: Market1m, *, long: bool, capital: int, horizon_ms: int, target: float, seed: int = 7
) -> Plan:
    """Return the plan for ``capital`` (raw) put up as isolated margin over ``horizon_ms``."""
    entry = data.closes[-1]
    returns = log_returns(data.closes)
    sigma = annualised(returns)
    minutes = max(1, horizon_ms // MINUTE_MS)
    paths = max(300, min(2_000, 3_000_000 // minutes))
    excursions = worst_excursions(returns, minutes, long, paths, seed)
    tiers = IntTiers(data.table)
    candidates = []
    for leverage in range(1, data.table.max_leverage + 1):
        candidate = _candidate(data, tiers, entry, capital, leverage, long)
        if candidate is not None:
            p_model = _lognormal(entry, candidate.liquidation_price, sigma, horizon_ms)
            p_data = _chance(excursions, entry, candidate.liquidation_price, long)
            candidates.append(_with(candidate, p_model, p_data))
    safe = [c for c in candidates if c.worst <= target]
    chosen = max(safe, key=lambda c: c.leverage, default=None)
    stop = _stop(data, chosen, returns, excursions, entry, long) if chosen else None
    return Plan(
        entry,
        sigma,
        len(returns),
        _warnings(len(returns), minutes),
        candidates,
        chosen,
        stop,
        chosen.margin if chosen else 0,
    )


def _candidate(
    data: Market1m, tiers: IntTiers, entry: int, capital: int, leverage: int, long: bool
) -> Candidate | None:
    quantity = capital * leverage * SCALE // entry
    quantity -= quantity % data.step
    if quantity <= 0 or data.table.max_leverage_at(_notional(quantity, entry)) < leverage:
        return None
    margin = -(-quantity * entry // (SCALE * leverage))
    signed = quantity if long else -quantity
    liquidation = boundary_price(margin, signed, signed * entry, tiers)
    return Candidate(leverage, quantity, margin, liquidation, 0.0, 0.0)


def _notional(quantity: int, entry: int) -> Fraction:
    return Fraction(quantity * entry, SCALE * SCALE)


def _with(candidate: Candidate, p_model: float, p_data: float) -> Candidate:
    return Candidate(
        candidate.leverage,
        candidate.quantity,
        candidate.margin,
        candidate.liquidation_price,
        p_model,
        p_data,
    )


def _lognormal(entry: int, liquidation: int, sigma: float, horizon_ms: int) -> float:
    if liquidation <= 0:
        return 0.0
    return first_passage(entry / SCALE, liquidation / SCALE, sigma, horizon_ms)


def _stop(
    data: Market1m,
    chosen: Candidate,
    returns: list[float],
    excursions: list[float],
    entry: int,
    long: bool,
) -> Stop:
    """Return the stop halfway to the liquidation price, filled one bad minute late."""
    price = (entry + chosen.liquidation_price) // 2
    price = -(-price // data.tick) * data.tick if long else price - price % data.tick
    adverse = sorted(-r if long else r for r in returns)
    slip = max(0.0, adverse[min(len(adverse) - 1, int(len(adverse) * 0.999))])
    slip_raw = round(slip * SCALE)
    fill = price - price * slip_raw // SCALE if long else price + price * slip_raw // SCALE
    fill = fill - fill % data.tick if long else -(-fill // data.tick) * data.tick
    moved = abs(entry - fill) * chosen.quantity // SCALE
    fees = -(-(entry + fill) * chosen.quantity * TAKER_RATE // (SCALE * SCALE))
    return Stop(price, fill, moved + fees, _chance(excursions, entry, price, long))


def _warnings(minutes: int, horizon_minutes: int) -> list[str]:
    found = []
    if minutes < SHORT_DATA_MINUTES:
        found.append(
            f"only {minutes} minutes of data: a volatility annualised from less than a day "
            "is unreliable (a crash window makes it huge, a calm hour tiny)"
        )
    if minutes < horizon_minutes:
        found.append(
            f"the horizon ({horizon_minutes} minutes) is longer than the data "
            f"({minutes} minutes): the bootstrap repeats the same hours"
        )
    return found
