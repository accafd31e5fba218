"""A symbol's decimals, resolved once per stream feed (``precision``: how they are chosen).

Binance writes every price of a symbol with its ``pricePrecision`` decimals and every quantity
with its ``quantityPrecision`` (``"61800.20"``, ``"0.000"`` for a removed depth level), trailing
zeros kept; a quote whose bid and ask precisions differ is dropped by some clients
(nautilus_trader). The streams look the places up once per feed, not once per number.
"""

from __future__ import annotations

from dataclasses import dataclass

from liquidator.api.precision import fixed, symbol_places
from liquidator.core.contracts.instrument import Instrument


@dataclass(frozen=True, slots=True)
class SymbolDecimals:
    """How one symbol's prices and quantities are written."""

    price_places: int
    quantity_places: int

    def price(self, raw: int) -> str:
        return fixed(raw, self.price_places)

    def quantity(self, raw: int) -> str:
        return fixed(raw, self.quantity_places)

    def levels(self, levels: list[tuple[int, int]]) -> list[list[str]]:
        """Depth levels as ``[[price, quantity], ...]``."""
        return [[self.price(p), self.quantity(q)] for p, q in levels]


def symbol_decimals(instrument: Instrument) -> SymbolDecimals:
    """``instrument``'s pricePrecision and quantityPrecision."""
    places = symbol_places(instrument.symbol, instrument.tick_size.raw, instrument.step_size.raw)
    return SymbolDecimals(*places)
