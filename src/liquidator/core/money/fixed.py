"""Fixed-point money: prices, quantities, rates and asset amounts as integers at one scale.

Every value is an ``int`` count of 10**-8 units (Binance reports its futures values at 8 decimal
places). Values are built from ``str``, ``int`` or ``Decimal``; a binary ``float`` raises.
Products and quotients are taken exactly as ``fractions.Fraction`` and come back to fixed point
only through ``from_fraction(value, rounding)``, so every rounding is named where it happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import ClassVar, Self

from liquidator.core.money.scaled import (  # the scale and its integer operations (compiled)
    DECIMALS,
    SCALE,
    SCALE2,
    Rounding,
    divide,
    format_raw,
    round_scaled,
    trim_raw,
)

__all__ = [
    "DECIMALS",
    "MAX_MAGNITUDE",
    "SCALE",
    "SCALE2",
    "Amount",
    "Fixed",
    "Number",
    "PrecisionError",
    "Price",
    "Qty",
    "Rate",
    "Rounding",
    "divide",
    "format_raw",
    "parse_raw",
    "round_scaled",
    "total",
    "trim_raw",
]

#: Largest magnitude accepted from outside; keeps hostile input like "1e999999" out while
#: admitting Binance's "no cap" bracket edges (9223372036854775807).
MAX_MAGNITUDE = 10**20

Number = str | int | Decimal


class PrecisionError(ValueError):
    """A value has more decimal places than the fixed scale (or a field) allows."""


def parse_raw(value: Number) -> int:
    """Return the raw integer for an exact decimal ``value``; raise if it does not fit the scale."""
    if type(value) is str:
        raw = _plain_raw(value)
        if raw is not None:
            return raw
    return _decimal_raw(value)


def _plain_raw(text: str) -> int | None:
    """``_decimal_raw(text)`` for the plain ASCII ``-ddd.ddd`` that clients send, in integers
    (no Decimal, no digit tuple); None for any other text, which goes to Decimal's reading."""
    negative = text.startswith("-")
    whole, dot, fraction = (text[1:] if negative else text).partition(".")
    if not (whole.isascii() and whole.isdigit()) or (
        dot and not (fraction.isascii() and fraction.isdigit())
    ):
        return None
    units = int(whole)
    if units >= MAX_MAGNITUDE:
        raise ValueError(f"{text!r} is out of range (magnitude must be below 1e20)")
    if len(fraction) > DECIMALS:
        if fraction[DECIMALS:].strip("0"):
            raise PrecisionError(f"{text!r} has more than {DECIMALS} decimal places")
        fraction = fraction[:DECIMALS]
    raw = units * SCALE + (int(fraction) * 10 ** (DECIMALS - len(fraction)) if fraction else 0)
    return -raw if negative else raw


def _decimal_raw(value: Number) -> int:
    """``parse_raw`` through Decimal: any text Decimal reads, an int or a Decimal."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        kind = type(value).__name__
        raise TypeError(f"fixed-point values are built from str, int or Decimal, not {kind}")
    if isinstance(value, int):
        number = Decimal(value)
    else:
        try:
            number = Decimal(value.strip()) if isinstance(value, str) else value
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if abs(number) >= MAX_MAGNITUDE:
        raise ValueError(f"{value!r} is out of range (magnitude must be below 1e20)")
    # Exact integer arithmetic on the digits: Decimal operations round to the context precision.
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    coefficient = int("".join(map(str, digits)) or "0")
    if coefficient == 0:
        return 0  # whatever the exponent ("0e99999999"): no power of ten to build
    shift = exponent + DECIMALS
    if -shift > len(digits):  # below the scale's last digit by more than the digits reach
        raise PrecisionError(f"{value!r} has more than {DECIMALS} decimal places")
    raw: int
    if shift >= 0:
        raw = coefficient * 10**shift
    else:
        divisor: int = 10 ** (-shift)
        raw, remainder = divmod(coefficient, divisor)
        if remainder:
            raise PrecisionError(f"{value!r} has more than {DECIMALS} decimal places")
    return -raw if sign else raw


class _Scaled:
    """Readings shared by every fixed-point value: ``raw`` counts 10**-8 units."""

    __slots__ = ()
    raw: int

    @property
    def fraction(self) -> Fraction:
        """The exact value as a rational."""
        return Fraction(self.raw, SCALE)

    def to_decimal(self) -> Decimal:
        """The exact value as a Decimal (built from text, so no context rounding)."""
        return Decimal(f"{self.raw}E-{DECIMALS}")

    def sign(self) -> int:
        return (self.raw > 0) - (self.raw < 0)

    def fixed(self, places: int = DECIMALS) -> str:
        """Return the number with exactly ``places`` decimals, as Binance prints it."""
        return format_raw(self.raw, places)


@dataclass(frozen=True, slots=True, order=True)
class Fixed(_Scaled):
    """A dimensioned fixed-point number; subclasses do not mix in arithmetic."""

    raw: int
    kind: ClassVar[str] = "value"

    def __post_init__(self) -> None:
        if type(self.raw) is not int:
            raise TypeError(f"{self.kind} raw value must be int, got {type(self.raw).__name__}")

    @classmethod
    def of(cls, value: Number) -> Self:
        """Build from an exact decimal (str, int or Decimal)."""
        return cls(parse_raw(value))

    @classmethod
    def from_fraction(cls, value: Fraction, rounding: Rounding) -> Self:
        """Bring an exact rational to the fixed scale, rounding as named."""
        return cls(round_scaled(value, rounding))

    @classmethod
    def zero(cls) -> Self:
        return cls(0)

    def __add__(self, other: Self) -> Self:
        self._check_same(other)
        return type(self)(self.raw + other.raw)

    def __sub__(self, other: Self) -> Self:
        self._check_same(other)
        return type(self)(self.raw - other.raw)

    def __neg__(self) -> Self:
        return type(self)(-self.raw)

    def __abs__(self) -> Self:
        return type(self)(abs(self.raw))

    def __str__(self) -> str:
        return trim_raw(self.raw)

    def _check_same(self, other: object) -> None:
        if type(other) is not type(self):
            raise TypeError(f"cannot combine {self.kind} with {type(other).__name__}")


class Price(Fixed):
    """A price in quote currency per unit of base (USD-M) or USD per coin (COIN-M)."""

    __slots__ = ()
    kind = "price"


class Qty(Fixed):
    """A position or order quantity: base units (USD-M) or contracts (COIN-M)."""

    __slots__ = ()
    kind = "quantity"


class Rate(Fixed):
    """A dimensionless rate (maintenance margin rate, fee rate, margin ratio): 0.004 = 0.4%."""

    __slots__ = ()
    kind = "rate"


@dataclass(frozen=True, slots=True, order=True)
class Amount(_Scaled):
    """An amount of one asset (USDT, BTC, ...); amounts of different assets never mix."""

    raw: int
    asset: str

    def __post_init__(self) -> None:
        if type(self.raw) is not int:
            raise TypeError(f"amount raw value must be int, got {type(self.raw).__name__}")
        if not self.asset or not self.asset.isalnum() or not self.asset.isupper():
            raise ValueError(f"asset must be an upper-case code, got {self.asset!r}")

    @classmethod
    def of(cls, value: Number, asset: str) -> Amount:
        """Build from an exact decimal (str, int or Decimal) in ``asset``."""
        return cls(parse_raw(value), asset)

    @classmethod
    def from_fraction(cls, value: Fraction, asset: str, rounding: Rounding) -> Amount:
        """Bring an exact rational amount of ``asset`` to the fixed scale, rounding as named."""
        return cls(round_scaled(value, rounding), asset)

    @classmethod
    def zero(cls, asset: str) -> Amount:
        return cls(0, asset)

    def __add__(self, other: Amount) -> Amount:
        self._check_asset(other)
        return Amount(self.raw + other.raw, self.asset)

    def __sub__(self, other: Amount) -> Amount:
        self._check_asset(other)
        return Amount(self.raw - other.raw, self.asset)

    def __neg__(self) -> Amount:
        return Amount(-self.raw, self.asset)

    def __abs__(self) -> Amount:
        return Amount(abs(self.raw), self.asset)

    def __str__(self) -> str:
        return f"{trim_raw(self.raw)} {self.asset}"

    def _check_asset(self, other: Amount) -> None:
        if not isinstance(other, Amount):
            raise TypeError(f"cannot combine an amount with {type(other).__name__}")
        if other.asset != self.asset:
            raise ValueError(f"cannot combine {self.asset} with {other.asset}")


def total(amounts: list[Amount] | tuple[Amount, ...], asset: str) -> Amount:
    """Return the sum of ``amounts``, all in ``asset`` (zero if there are none)."""
    result = Amount.zero(asset)
    for amount in amounts:
        result = result + amount
    return result
