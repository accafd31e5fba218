"""Positions: a signed quantity of one instrument, its entry price and how it is margined."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from liquidator.core.contracts.instrument import Instrument
from liquidator.core.money.fixed import Amount, Price, Qty


class PositionSide(Enum):
    """Binance ``positionSide``: BOTH in one-way mode, LONG or SHORT in hedge mode."""

    # Identity hash: members are singletons, and Enum's own ``__hash__`` hashes the name in
    # Python on every lookup of a position by ``(symbol, side)``, the core's hottest key.
    __hash__ = object.__hash__

    BOTH = "BOTH"
    LONG = "LONG"
    SHORT = "SHORT"


class MarginType(Enum):
    """Binance ``marginType``: one wallet shared by all cross positions, or one per position."""

    CROSS = "cross"
    ISOLATED = "isolated"


@dataclass(frozen=True, slots=True)
class Position:
    """An open position at a mark price.

    ``quantity`` is signed like Binance's ``positionAmt`` (negative for a short); a hedge-mode
    LONG is positive and a SHORT negative. ``isolated_wallet`` is the margin set aside for an
    isolated position (Binance ``isolatedWallet``, without unrealized PnL); cross positions have
    none.
    """

    instrument: Instrument
    side: PositionSide
    quantity: Qty
    entry_price: Price
    mark_price: Price
    margin_type: MarginType
    leverage: int
    isolated_wallet: Amount | None = None

    def __post_init__(self) -> None:
        symbol = self.instrument.symbol
        if self.quantity.raw == 0:
            raise ValueError(f"{symbol}: a position has a non-zero quantity")
        if self.side is PositionSide.LONG and self.quantity.raw < 0:
            raise ValueError(f"{symbol}: a LONG position has a positive quantity")
        if self.side is PositionSide.SHORT and self.quantity.raw > 0:
            raise ValueError(f"{symbol}: a SHORT position has a negative quantity")
        if self.entry_price.raw <= 0 or self.mark_price.raw <= 0:
            raise ValueError(f"{symbol}: entry and mark prices are positive")
        if self.leverage < 1:
            raise ValueError(f"{symbol}: leverage is at least 1")
        self._check_wallet()

    def _check_wallet(self) -> None:
        symbol = self.instrument.symbol
        if self.margin_type is MarginType.CROSS:
            if self.isolated_wallet is not None:
                raise ValueError(f"{symbol}: a cross position has no isolated wallet")
            return
        if self.isolated_wallet is None:
            raise ValueError(f"{symbol}: an isolated position needs its isolated wallet")
        if self.isolated_wallet.asset != self.instrument.margin_asset:
            raise ValueError(f"{symbol}: isolated wallet must be in {self.instrument.margin_asset}")

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def direction(self) -> int:
        """Return +1 for a long, -1 for a short."""
        return self.quantity.sign()

    @property
    def margin_asset(self) -> str:
        return self.instrument.margin_asset

    @property
    def is_cross(self) -> bool:
        return self.margin_type is MarginType.CROSS
