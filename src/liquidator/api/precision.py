"""How many decimals Binance writes each symbol's prices and quantities with.

Binance writes every price of a symbol with its ``pricePrecision`` decimals and every quantity
with its ``quantityPrecision``, trailing zeros kept: ``"60000.00"`` beside ``"59987.90"`` for
BTCUSDT (pricePrecision 2, although its tick is 0.10), ``"0.020"`` for a quantity. The engine's
fixed point drops the zeros of a tick (``0.10`` is ``0.1``), so the precisions are read from the
exchange information the contracts were bundled from (``data/instruments.json``); a symbol not
in it gets the decimals of its tick and step. A value with more decimals than the precision
(an average price) is written with all of them: the text is always exact.

Mark, index and settle prices are written with 8 decimals, as Binance's ``premiumIndex`` does.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from liquidator.core.money.scaled import trim_raw

MARK_PLACES = 8


def fixed(raw: int, places: int) -> str:
    """``raw`` (10**-8) as an exact decimal with at least ``places`` decimals."""
    text = trim_raw(raw)
    if places <= 0:
        return text
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(places, '0')}"


def places_of(raw: int) -> int:
    """The decimals of the shortest exact writing of ``raw``."""
    text = trim_raw(raw)
    return len(text.split(".")[1]) if "." in text else 0


@cache
def _bundled() -> dict[str, tuple[int, int]]:
    text = resources.files("liquidator.data").joinpath("instruments.json").read_text("utf-8")
    document = json.loads(text)
    return {
        str(row["symbol"]): (int(row["pricePrecision"]), int(row["quantityPrecision"]))
        for row in document.get("symbols", [])
        if "pricePrecision" in row and "quantityPrecision" in row
    }


@cache  # a few symbols, asked several times for every order: worked out once each
def symbol_places(symbol: str, tick_raw: int = 0, step_raw: int = 0) -> tuple[int, int]:
    """``(pricePrecision, quantityPrecision)`` of ``symbol``: Binance's, never fewer decimals
    than the tick's and the step's."""
    price, quantity = _bundled().get(symbol, (0, 0))
    return max(price, places_of(tick_raw)), max(quantity, places_of(step_raw))


def price(symbol: str, raw: int) -> str:
    """A price of ``symbol`` as Binance writes it."""
    return fixed(raw, symbol_places(symbol)[0])


def quantity(symbol: str, raw: int) -> str:
    """A quantity of ``symbol`` as Binance writes it."""
    return fixed(raw, symbol_places(symbol)[1])


def mark(raw: int) -> str:
    """A mark, index or settle price: 8 decimals."""
    return fixed(raw, MARK_PLACES)
