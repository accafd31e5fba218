"""Margin of one position at a price: notional, unrealized PnL, initial and maintenance margin.

Each figure is computed exactly from fixed-point inputs and rounded once, against the account:

| figure             | formula (linear / inverse)                  | rounding   |
|--------------------|---------------------------------------------|------------|
| notional           | ``|q|·P``  /  ``|q|·CS/P``                   | half-even  |
| unrealized PnL     | ``q·(P−E)``  /  ``q·CS·(1/E − 1/P)``         | floor      |
| maintenance margin | ``notional·mmr − cum`` (bracket by notional) | ceiling    |
| initial margin     | ``notional / leverage``                      | ceiling    |
| margin ratio       | ``maintenance margin / margin balance``      | ceiling    |
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from liquidator.core.contracts.brackets import Bracket, BracketTable
from liquidator.core.margin.position import Position
from liquidator.core.money.fixed import Amount, Rate
from liquidator.core.money.scaled import Rounding


def exact_notional(position: Position, price: Fraction) -> Fraction:
    """Return the position's absolute value at ``price`` in the margin asset."""
    return abs(position.instrument.value(position.quantity.fraction, price))


def exact_unrealized_pnl(position: Position, price: Fraction) -> Fraction:
    """Return the position's profit at ``price`` against its entry, in the margin asset."""
    instrument = position.instrument
    return instrument.pnl(position.quantity.fraction, position.entry_price.fraction, price)


def exact_maintenance_margin(position: Position, table: BracketTable, price: Fraction) -> Fraction:
    """Return ``notional·mmr − cum`` at ``price``, the bracket chosen by the notional there."""
    return table.maintenance_margin(exact_notional(position, price))


@dataclass(frozen=True, slots=True)
class PositionMargin:
    """A position's margin figures at its mark price, each rounded against the account."""

    position: Position
    notional: Amount
    unrealized_pnl: Amount
    maintenance_margin: Amount
    initial_margin: Amount
    bracket: Bracket


def position_margin(position: Position, table: BracketTable) -> PositionMargin:
    """Value ``position`` at its mark price with the brackets of ``table``."""
    asset = position.margin_asset
    mark = position.mark_price.fraction
    notional = exact_notional(position, mark)
    bracket = table.bracket_for(notional)
    return PositionMargin(
        position=position,
        notional=Amount.from_fraction(notional, asset, Rounding.HALF_EVEN),
        unrealized_pnl=Amount.from_fraction(
            exact_unrealized_pnl(position, mark), asset, Rounding.FLOOR
        ),
        maintenance_margin=Amount.from_fraction(
            bracket.maintenance_margin(notional), asset, Rounding.CEILING
        ),
        initial_margin=Amount.from_fraction(notional / position.leverage, asset, Rounding.CEILING),
        bracket=bracket,
    )


def opening_margin(position: Position) -> Amount:
    """Return ``notional at entry / leverage``, rounded up: the margin the opening locks."""
    notional = exact_notional(position, position.entry_price.fraction)
    return Amount.from_fraction(
        notional / position.leverage, position.margin_asset, Rounding.CEILING
    )


def margin_ratio(maintenance_margin: Amount, margin_balance: Amount) -> Rate | None:
    """Return ``maintenance / balance`` rounded up; None when the balance is not positive.

    With nothing to maintain the ratio is 0 (unless the balance is negative). A ratio of 1 or
    more, or None, means liquidation.
    """
    if maintenance_margin.asset != margin_balance.asset:
        raise ValueError("maintenance margin and margin balance are in different assets")
    if maintenance_margin.raw == 0 and margin_balance.raw >= 0:
        return Rate.zero()
    if margin_balance.raw <= 0:
        return None
    return Rate.from_fraction(
        Fraction(maintenance_margin.raw, margin_balance.raw), Rounding.CEILING
    )
