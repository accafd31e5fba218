"""Fixed-point values: built only from exact decimals, rounded only where named."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from liquidator.core.money.fixed import Amount, PrecisionError, Price, Qty, Rate, Rounding, total


def test_values_are_built_from_str_int_or_decimal() -> None:
    assert Price.of("60000.1") == Price.of(Decimal("60000.10")) == Price(6000010000000)
    assert Qty.of(3) == Qty.of("3.000")


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_a_float_or_bool_raises(value: object) -> None:
    with pytest.raises(TypeError, match="str, int or Decimal"):
        Price.of(value)  # type: ignore[arg-type]


def test_more_than_eight_decimals_raises_instead_of_rounding() -> None:
    with pytest.raises(PrecisionError):
        Price.of("0.123456789")


def test_rounding_is_named_at_every_conversion() -> None:
    third = Fraction(1, 3)

    assert Amount.from_fraction(third, "USDT", Rounding.FLOOR).fixed() == "0.33333333"
    assert Amount.from_fraction(third, "USDT", Rounding.CEILING).fixed() == "0.33333334"
    assert Amount.from_fraction(-third, "USDT", Rounding.FLOOR).fixed() == "-0.33333334"
    assert Rate.from_fraction(Fraction(5, 10**9), Rounding.HALF_EVEN) == Rate(0)
    assert Rate.from_fraction(Fraction(15, 10**9), Rounding.HALF_EVEN) == Rate(2)


def test_amounts_of_different_assets_never_mix() -> None:
    with pytest.raises(ValueError, match="USDT with BTC"):
        _ = Amount.of("1", "USDT") + Amount.of("1", "BTC")
    assert total([Amount.of("1.5", "BTC"), Amount.of("2", "BTC")], "BTC") == Amount.of("3.5", "BTC")


def test_prices_and_quantities_do_not_add() -> None:
    with pytest.raises(TypeError):
        _ = Price.of("1") + Qty.of("1")  # type: ignore[operator]


def test_binance_style_formatting() -> None:
    assert Price.of("19731.45529116").fixed() == "19731.45529116"
    assert Amount.of("-12.3", "USDT").fixed() == "-12.30000000"
    assert str(Price.of("60000.00")) == "60000"
    assert Price.of("1.005").fixed(2) == "1.00"  # half-even at display


@pytest.mark.parametrize(
    ("text", "raw"), [("0e99999999", 0), ("-0e-99999999", 0), ("0.00000000e5", 0)]
)
def test_a_zero_with_any_exponent_is_zero_at_once(text: str, raw: int) -> None:
    assert Price.of(text).raw == raw


@pytest.mark.parametrize("text", ["1e-99999999", "5e-9", "123e-12"])
def test_digits_below_the_scale_are_refused_at_once_whatever_the_exponent(text: str) -> None:
    with pytest.raises(PrecisionError, match="decimal places"):
        Price.of(text)
