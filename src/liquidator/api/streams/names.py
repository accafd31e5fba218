"""The market stream names this venue serves; any other name is refused, not acknowledged.

Names are case-insensitive (Binance matches them lower-cased), but a combined stream's
``stream`` field echoes the name as the client subscribed it.
"""

from __future__ import annotations

import re

from liquidator.read.market_history import INTERVALS_MS

_INTERVAL = "|".join(sorted(INTERVALS_MS, key=len, reverse=True))
_SYMBOL = r"[a-z0-9_]+"  # COIN-M symbols have one: btcusd_perp
SERVED = re.compile(
    "^(?:"
    + "|".join(
        (
            rf"{_SYMBOL}@markprice(?:@1s)?",
            r"!markprice@arr(?:@1s)?",
            rf"{_SYMBOL}@(?:trade|aggtrade|bookticker|forceorder|ticker|miniticker)",
            r"!bookticker|!forceorder@arr|!ticker@arr|!miniticker@arr",
            rf"{_SYMBOL}@depth(?:5|10|20)?(?:@(?:0|100|250|500)ms)?",
            rf"{_SYMBOL}@kline_(?:{_INTERVAL})",
            rf"{_SYMBOL}_perpetual@continuouskline_(?:{_INTERVAL})",
        )
    )
    + ")$"
)


def normalise(name: str) -> str:
    """Market stream names are case-insensitive (Binance lower-cases them)."""
    return name.strip().lower()


def is_served(key: str) -> bool:
    """Tell whether a lower-cased name is a stream this venue sends."""
    return SERVED.match(key) is not None
