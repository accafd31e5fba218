"""The fixed scale and the integer operations on raw values (10**-8 units).

Everything here is plain integers and text, so the compiled core (mypyc) runs it natively:
``SCALE`` and ``SCALE2`` are ``Final`` literals that compile to constants, where a name imported
from a plain-Python module is a dictionary lookup on every use. ``fixed`` re-exports all of it
next to the value types built on it.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction
from typing import Final

DECIMALS: Final = 8
SCALE: Final = 100_000_000  # 10**DECIMALS
SCALE2: Final = 10_000_000_000_000_000  # SCALE**2: a product of two raw values


class Rounding(Enum):
    """How an exact value is brought to the fixed scale."""

    FLOOR = "floor"  # toward -infinity: credits to an account
    CEILING = "ceiling"  # toward +infinity: requirements and fees charged to an account
    HALF_EVEN = "half_even"  # display-only values that are neither credit nor charge


def round_scaled(value: Fraction, rounding: Rounding) -> int:
    """Return ``value * SCALE`` as an integer, rounded as named."""
    scaled = value * SCALE
    return divide(scaled.numerator, scaled.denominator, rounding)


def divide(numerator: int, denominator: int, rounding: Rounding) -> int:
    """Return ``numerator / denominator`` (denominator > 0) as an integer, rounded as named.

    Integer-only, for hot paths: the same result as building the ``Fraction``.
    """
    if rounding is Rounding.FLOOR:
        return numerator // denominator
    if rounding is Rounding.CEILING:
        return ceil_div(numerator, denominator)
    floor, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and floor % 2 == 1):
        return floor + 1
    return floor


def ceil_div(numerator: int, denominator: int) -> int:
    """Return ``numerator / denominator`` rounded toward +infinity (denominator > 0).

    ``(n + d - 1) // d``: the same integer as ``-(-n // d)`` for every ``n`` (``d > 0``), with
    one big-integer temporary fewer (the products it divides rarely fit a machine word).
    """
    return (numerator + (denominator - 1)) // denominator


def floor_scaled(value16: int) -> int:
    """Return a 10**-16 value (a product of two raw values) at the fixed scale, rounded down
    (toward -infinity: credits, PnL)."""
    return value16 // SCALE


def ceil_scaled(value16: int) -> int:
    """Return a 10**-16 value at the fixed scale, rounded up (requirements, charges)."""
    return ceil_div(value16, SCALE)


def ceil_scaled_div(value16: int, divisor: int) -> int:
    """Return ``ceil(value16 / (SCALE * divisor))`` (``divisor > 0``, a leverage): a 10**-16
    value at the fixed scale, divided, rounded up (initial margins).

    As ``ceil(ceil(value16 / SCALE) / divisor)``: the same integer (nested ceilings by positive
    integers compose), by a one-digit divisor and then, most often, within a machine word, not
    one long division by the two-digit big integer ``SCALE * divisor``.
    """
    return (ceil_scaled(value16) + (divisor - 1)) // divisor


def floor_scaled_product(value: int, rate: int) -> int:
    """Return ``floor(value * rate / SCALE)``: a raw value times a raw rate, rounded down.

    With ``value = a * SCALE + b`` (``0 <= b < SCALE``), as ``a * rate + floor(b * rate /
    SCALE)``: the same integer (``a * rate`` is whole), with no product past a machine word
    for a price and a rate near one.
    """
    whole, part = divmod(value, SCALE)
    return whole * rate + part * rate // SCALE


def ceil_scaled_product(value: int, rate: int) -> int:
    """Return ``ceil(value * rate / SCALE)`` (``floor_scaled_product``, rounded up)."""
    whole, part = divmod(value, SCALE)
    return whole * rate + ceil_div(part * rate, SCALE)


def floor_to(value: int, unit: int) -> int:
    """Return ``value`` down to a whole multiple of ``unit`` (a tick or a step; unit > 0)."""
    return value - value % unit


def ceil_to(value: int, unit: int) -> int:
    """Return ``value`` up to a whole multiple of ``unit`` (a tick or a step; unit > 0)."""
    return ceil_div(value, unit) * unit


def divide_signed(numerator: int, denominator: int, rounding: Rounding) -> int:
    """Return ``numerator / denominator`` (denominator != 0, either sign), rounded as named."""
    if denominator < 0:
        return divide(-numerator, -denominator, rounding)
    return divide(numerator, denominator, rounding)


def format_raw(raw: int, places: int = DECIMALS) -> str:
    """Return ``raw`` as a plain decimal string with exactly ``places`` decimals (half-even)."""
    if places < DECIMALS:
        step = 10 ** (DECIMALS - places)
        raw = round(Fraction(raw, step)) * step
    sign = "-" if raw < 0 else ""
    whole, fraction = divmod(abs(raw), SCALE)
    digits = str(SCALE + fraction)[1 : places + 1]  # the 8 digits, zero-padded, cut to places
    return f"{sign}{whole}.{digits}" if places else f"{sign}{whole}"


def trim_raw(raw: int) -> str:
    """Return ``raw`` as the shortest exact decimal string ("60000", "0.004")."""
    if raw < 0:
        return "-" + _trim_magnitude(-raw)
    return _trim_magnitude(raw)


def _trim_magnitude(raw: int) -> str:
    # Every price and quantity of a journaled command is written through here. ``//`` and a
    # product, not divmod: compiled, they stay on machine words; the fraction's trailing zeros
    # counted on the integer, and one decimal text of ``raw`` cut, not two texts and a strip.
    whole = raw // SCALE
    fraction = raw - whole * SCALE
    if fraction == 0:
        return str(whole)
    end = DECIMALS  # the fraction's digits up to its last non-zero one
    while fraction % 10 == 0:
        fraction //= 10
        end -= 1
    if whole == 0:  # SCALE + raw: "1" and the fraction's 8 digits, zero-padded
        return "0." + str(SCALE + raw)[1 : end + 1]
    text = str(raw)
    cut = len(text) - DECIMALS
    return text[:cut] + "." + text[cut : cut + end]
