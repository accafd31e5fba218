"""The contracts a venue lists and the leverage brackets that apply to each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.contracts.instrument import Instrument


@dataclass(frozen=True, slots=True)
class Market:
    """Instruments and bracket tables by symbol."""

    instruments: Mapping[str, Instrument] = field(default_factory=dict)
    brackets: Mapping[str, BracketTable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instruments", MappingProxyType(dict(self.instruments)))
        object.__setattr__(self, "brackets", MappingProxyType(dict(self.brackets)))
        for symbol, table in self.brackets.items():
            instrument = self.instruments.get(symbol)
            if instrument is not None and instrument.margin_asset != table.margin_asset:
                raise ValueError(
                    f"{symbol}: brackets are in {table.margin_asset}, "
                    f"the contract is margined in {instrument.margin_asset}"
                )

    def instrument(self, symbol: str) -> Instrument | None:
        return self.instruments.get(symbol)

    def bracket_table(self, symbol: str) -> BracketTable | None:
        return self.brackets.get(symbol)

    def with_brackets(self, tables: Mapping[str, BracketTable]) -> Market:
        """Return this market with ``tables`` replacing the brackets of their symbols."""
        return Market(self.instruments, {**self.brackets, **tables})

    def with_instruments(self, instruments: Mapping[str, Instrument]) -> Market:
        """Return this market with ``instruments`` added or replacing those of their symbols."""
        return Market({**self.instruments, **instruments}, self.brackets)
