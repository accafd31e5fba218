"""Leverage brackets: maximum leverage and maintenance margin by position notional.

A bracket covers notionals in ``[floor, cap)`` of the margin asset (USDT for USD-M, the coin for
COIN-M, where Binance calls floor and cap ``qtylFloor``/``qtyCap``). Its maintenance amount
(``cum``) makes maintenance margin continuous across floors::

    cum_1 = 0
    cum_n = floor_n * (mmr_n - mmr_(n-1)) + cum_(n-1)

so ``MM(N) = N * mmr_k - cum_k`` for the bracket k that holds N. A table that breaks the
recurrence is rejected: its maintenance margin would jump at a floor.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from liquidator.core.money.fixed import Amount, Rate


class BracketTableError(ValueError):
    """A leverage-bracket table is inconsistent (gaps, wrong cum, rates going down)."""


@dataclass(frozen=True, slots=True)
class Bracket:
    """One leverage bracket (Binance ``brackets[]`` entry)."""

    number: int
    initial_leverage: int
    floor: Amount
    cap: Amount
    maintenance_margin_rate: Rate
    maintenance_amount: Amount

    def maintenance_margin(self, notional: Fraction) -> Fraction:
        """Return ``notional * mmr - cum`` exactly (margin asset)."""
        return notional * self.maintenance_margin_rate.fraction - self.maintenance_amount.fraction


@dataclass(frozen=True, slots=True)
class BracketTable:
    """The brackets of one symbol, validated on construction."""

    symbol: str
    brackets: tuple[Bracket, ...]
    _floors: tuple[Fraction, ...] = field(init=False, repr=False, compare=False)
    _caps: tuple[int | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _validate(self.symbol, self.brackets)
        object.__setattr__(self, "_floors", tuple(b.floor.fraction for b in self.brackets))
        top = self.brackets[0].initial_leverage
        caps = tuple(self._cap_at(leverage) for leverage in range(top + 1))
        object.__setattr__(self, "_caps", caps)  # every order's check reads it: computed once

    @property
    def margin_asset(self) -> str:
        return self.brackets[0].floor.asset

    @property
    def max_leverage(self) -> int:
        return self.brackets[0].initial_leverage

    def bracket_for(self, notional: Fraction) -> Bracket:
        """Return the bracket holding ``notional``: the highest with ``floor <= notional``.

        Notionals at or beyond the last cap stay in the last bracket.
        """
        index = bisect_right(self._floors, notional) - 1
        return self.brackets[max(index, 0)]

    def maintenance_margin(self, notional: Fraction) -> Fraction:
        """Return the exact maintenance margin for a position of ``notional`` (margin asset)."""
        return self.bracket_for(notional).maintenance_margin(notional)

    def max_leverage_at(self, notional: Fraction) -> int:
        """Return the highest leverage allowed for a position of ``notional``."""
        return self.bracket_for(notional).initial_leverage

    def max_notional_at_leverage(self, leverage: int) -> int | None:
        """Return the largest notional (raw) a position may reach at ``leverage``.

        That is the highest cap among the brackets allowing ``leverage``; None when no bracket
        allows it (leverage above the table's maximum).
        """
        if leverage >= len(self._caps):
            return None
        return self._caps[max(leverage, 0)]

    def _cap_at(self, leverage: int) -> int | None:
        caps = [b.cap.raw for b in self.brackets if b.initial_leverage >= leverage]
        return max(caps) if caps else None

    def floors(self) -> tuple[Fraction, ...]:
        """Return the bracket floors above zero, where the maintenance rate changes."""
        return self._floors[1:]


def expected_maintenance_amount(previous: Bracket, floor: Amount, rate: Rate) -> Fraction:
    """Return ``floor * (rate - previous rate) + previous cum`` exactly (margin asset)."""
    step = rate.fraction - previous.maintenance_margin_rate.fraction
    return floor.fraction * step + previous.maintenance_amount.fraction


def _validate(symbol: str, brackets: tuple[Bracket, ...]) -> None:
    if not brackets:
        raise BracketTableError(f"{symbol}: no brackets")
    assets = {b.floor.asset for b in brackets} | {b.cap.asset for b in brackets}
    assets |= {b.maintenance_amount.asset for b in brackets}
    if len(assets) != 1:
        raise BracketTableError(f"{symbol}: brackets mix assets {sorted(assets)}")
    for index, bracket in enumerate(brackets):
        _validate_one(symbol, index, bracket, brackets[index - 1] if index else None)


def _validate_one(symbol: str, index: int, bracket: Bracket, previous: Bracket | None) -> None:
    where = f"{symbol} bracket {bracket.number}"
    if bracket.number != index + 1:
        raise BracketTableError(f"{where}: expected bracket number {index + 1}")
    if bracket.initial_leverage < 1:
        raise BracketTableError(f"{where}: initialLeverage must be at least 1")
    if bracket.cap <= bracket.floor:
        raise BracketTableError(f"{where}: cap {bracket.cap} is not above floor {bracket.floor}")
    rate = bracket.maintenance_margin_rate
    if not 0 <= rate.raw < 10**8:
        raise BracketTableError(f"{where}: maintMarginRatio {rate} must be in [0, 1)")
    if previous is None:
        if bracket.floor.raw != 0 or bracket.maintenance_amount.raw != 0:
            raise BracketTableError(f"{where}: the first bracket must start at 0 with cum 0")
        return
    _validate_against(where, bracket, previous)


def _validate_against(where: str, bracket: Bracket, previous: Bracket) -> None:
    """Check ``bracket`` continues ``previous``: floor, rates, leverage and the cum recurrence."""
    rate = bracket.maintenance_margin_rate
    if bracket.floor != previous.cap:
        raise BracketTableError(
            f"{where}: floor {bracket.floor} does not meet the previous cap {previous.cap}"
        )
    if rate < previous.maintenance_margin_rate:
        raise BracketTableError(f"{where}: maintMarginRatio {rate} is below the previous bracket's")
    if bracket.initial_leverage > previous.initial_leverage:
        raise BracketTableError(f"{where}: initialLeverage rises above the previous bracket's")
    expected = expected_maintenance_amount(previous, bracket.floor, rate)
    if bracket.maintenance_amount.fraction != expected:
        raise BracketTableError(
            f"{where}: cum {bracket.maintenance_amount} breaks the recurrence "
            f"floor*(mmr-previous mmr)+previous cum = {_decimal(expected)}"
        )


def _decimal(value: Fraction) -> str:
    """Return ``value`` as a decimal string for messages (28 significant digits)."""
    return str(Decimal(value.numerator) / Decimal(value.denominator))
