"""A futures account: one cross wallet and the positions it holds."""

from __future__ import annotations

from dataclasses import dataclass

from liquidator.core.margin.position import Position, PositionSide
from liquidator.core.money.fixed import Amount


class AccountError(ValueError):
    """Positions that cannot belong to one account together."""


@dataclass(frozen=True, slots=True)
class Account:
    """A cross wallet (one margin asset) and open positions.

    Rules Binance enforces per symbol: one position mode (BOTH, or LONG/SHORT), one margin type
    and one leverage. Cross positions draw on the cross wallet, so they share its asset.
    """

    cross_wallet_balance: Amount
    positions: tuple[Position, ...]

    def __post_init__(self) -> None:
        seen: dict[tuple[str, PositionSide], int] = {}
        for index, position in enumerate(self.positions):
            key = (position.symbol, position.side)
            if key in seen:
                raise AccountError(
                    f"positions[{index}]: a second {position.side.value} position "
                    f"in {position.symbol} (first at positions[{seen[key]}])"
                )
            seen[key] = index
            self._check_against_symbol(index, position)
            asset = self.cross_wallet_balance.asset
            if position.is_cross and position.margin_asset != asset:
                raise AccountError(
                    f"positions[{index}]: cross {position.symbol} is margined in "
                    f"{position.margin_asset} but the cross wallet is in {asset}"
                )

    def _check_against_symbol(self, index: int, position: Position) -> None:
        for other in self.positions[:index]:
            if other.symbol != position.symbol:
                continue
            if (other.side is PositionSide.BOTH) != (position.side is PositionSide.BOTH):
                raise AccountError(
                    f"positions[{index}]: {position.symbol} mixes one-way (BOTH) "
                    "and hedge (LONG/SHORT) positions"
                )
            if other.margin_type is not position.margin_type:
                raise AccountError(
                    f"positions[{index}]: {position.symbol} LONG and SHORT use one margin type"
                )
            if other.leverage != position.leverage:
                raise AccountError(
                    f"positions[{index}]: {position.symbol} LONG and SHORT use one leverage"
                )

    @property
    def margin_asset(self) -> str:
        return self.cross_wallet_balance.asset

    def cross_positions(self) -> tuple[Position, ...]:
        return tuple(p for p in self.positions if p.is_cross)

    def liquidation_group(self, position: Position) -> tuple[Position, ...]:
        """Return the positions that share ``position``'s liquidation price.

        Isolated: itself. Cross one-way: itself. Cross hedge: the LONG and SHORT of its symbol.
        """
        if not position.is_cross or position.side is PositionSide.BOTH:
            return (position,)
        return tuple(p for p in self.cross_positions() if p.symbol == position.symbol)
