"""The machine's wall clock: the one place that reads the time of day (``Clock``'s adapter)."""

from __future__ import annotations

import time


class WallClock:
    """Milliseconds since the epoch, from the system clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000
