"""Where the time of the next command comes from: the port, and the simulated clock.

The wall clock is an adapter (``liquidator.adapters.clock.WallClock``), the only code that reads
the machine's time; everything else is handed a :class:`Clock`.
"""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    """The time now, in milliseconds since the epoch (wall or simulated)."""

    def now_ms(self) -> int: ...


class SimulatedClock:
    """A clock that moves only when told (``advance``); starts at ``start_ms``."""

    def __init__(self, start_ms: int) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("simulated time never goes back")
        self._now += ms
