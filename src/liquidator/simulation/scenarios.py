"""Synthetic crash shapes: seeded price paths to replay through the engine.

Each scenario yields ticks ``(ms, symbol, price raw)`` every ``step_ms`` from ``start_ms``: a
flat lead-in of ``lead_minutes``, the shape, then a flat tail. Prices are the start price times a
factor of the shape, with a little seeded noise (``noise_bps`` a step), rounded down to the tick.

| name | shape |
|---|---|
| ``gap`` | the price jumps down by ``drop`` in one tick and stays there |
| ``flash`` | a V with a wick: down by ``drop`` in ``minutes / 4``, 80% back in ``minutes / 2`` |
| ``bleed`` | a slow, steady fall by ``drop`` over ``minutes`` |
| ``whipsaw`` | swings of ``drop`` down and back up, four times over ``minutes`` |
| ``correlated`` | BTCUSDT falls by ``drop`` and ETHUSDT by 1.3 x ``drop`` together, as ``flash`` |
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from liquidator.core.money.fixed import SCALE

Tick = tuple[int, str, int]
START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC
START_PRICES = {"BTCUSDT": 60_000 * SCALE, "ETHUSDT": 3_000 * SCALE}
TICKS = {"BTCUSDT": 10_000_000, "ETHUSDT": 1_000_000}


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    drop: float = 0.15  # the fall, as a fraction
    minutes: int = 60  # how long the shape lasts
    lead_minutes: int = 10
    tail_minutes: int = 20
    step_ms: int = 1_000
    noise_bps: float = 2.0
    seed: int = 7
    start_ms: int = START_MS

    def __post_init__(self) -> None:
        if not 0 < self.drop < 1 or self.minutes < 1 or self.step_ms < 100:
            raise ValueError("drop within (0, 1), minutes >= 1, step_ms >= 100")


def _gap(t: float, drop: float) -> float:
    return 1.0 if t <= 0 else 1 - drop


def _flash(t: float, drop: float) -> float:
    if t <= 0:
        return 1.0
    if t < 0.25:
        return 1 - drop * t / 0.25
    if t < 0.75:
        return 1 - drop + 0.8 * drop * (t - 0.25) / 0.5
    return 1 - 0.2 * drop


def _bleed(t: float, drop: float) -> float:
    return 1 - drop * min(1.0, max(0.0, t))


def _whipsaw(t: float, drop: float) -> float:
    if t <= 0 or t >= 1:
        return 1.0
    return 1 - drop * abs(math.sin(4 * math.pi * t))


Shape = Callable[[float, float], float]
SHAPES: dict[str, tuple[Shape, str]] = {
    "gap": (_gap, "the price jumps down by DROP in one tick and stays there"),
    "flash": (_flash, "a V: down by DROP in a quarter of MINUTES, 80% back over half of it"),
    "bleed": (_bleed, "a slow, steady fall by DROP over MINUTES"),
    "whipsaw": (_whipsaw, "four swings of DROP down and back up over MINUTES"),
    "correlated": (_flash, "BTCUSDT down by DROP and ETHUSDT by 1.3 x DROP together (flash)"),
}


def names() -> list[str]:
    return list(SHAPES)


def describe(name: str) -> str:
    return SHAPES[name][1]


def symbols_of(name: str) -> list[str]:
    return ["BTCUSDT", "ETHUSDT"] if name == "correlated" else ["BTCUSDT"]


def ticks(name: str, config: ScenarioConfig) -> Iterator[Tick]:
    """Yield the scenario's ticks in time order."""
    if name not in SHAPES:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SHAPES)}")
    shape = SHAPES[name][0]
    rng = random.Random(config.seed)
    symbols = symbols_of(name)
    betas = {"BTCUSDT": 1.0, "ETHUSDT": 1.3}
    total_ms = (config.lead_minutes + config.minutes + config.tail_minutes) * 60_000
    lead_ms, shape_ms = config.lead_minutes * 60_000, config.minutes * 60_000
    noise = dict.fromkeys(symbols, 0.0)
    for elapsed in range(0, total_ms + 1, config.step_ms):
        t = (elapsed - lead_ms) / shape_ms
        for symbol in symbols:
            noise[symbol] += rng.gauss(0, config.noise_bps / 10_000)
            noise[symbol] *= 0.98  # noise that does not wander off
            factor = shape(t, min(0.95, config.drop * betas[symbol])) * (1 + noise[symbol])
            price = int(START_PRICES[symbol] * factor)
            tick = TICKS[symbol]
            yield config.start_ms + elapsed, symbol, max(tick, price - price % tick)
