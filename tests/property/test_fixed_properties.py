"""Properties of the fixed-point types: exact parsing, named rounding, exact arithmetic."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.money.fixed import (
    MAX_MAGNITUDE,
    SCALE,
    Amount,
    Fixed,
    PrecisionError,
    Price,
    Qty,
    Rate,
    Rounding,
    format_raw,
    trim_raw,
)

MAX_RAW = MAX_MAGNITUDE * SCALE - 1
UNIT = Fraction(1, SCALE)
HALF_UNIT = Fraction(1, 2 * SCALE)

FIXED_KINDS: list[type[Fixed]] = [Price, Qty, Rate]
ROUNDINGS = list(Rounding)

raws = st.integers(-MAX_RAW, MAX_RAW)
assets = st.sampled_from(["USDT", "USDC", "BTC", "ETH", "BNB"])

representable_fractions = raws.map(lambda raw: Fraction(raw, SCALE))
arbitrary_fractions = st.builds(Fraction, st.integers(-(10**24), 10**24), st.integers(1, 10**12))
halfway_fractions = st.integers(-(10**20), 10**20).map(lambda raw: Fraction(2 * raw + 1, 2 * SCALE))
fractions = st.one_of(representable_fractions, arbitrary_fractions, halfway_fractions)


@st.composite
def ordered_fraction_pairs(draw: st.DrawFn) -> tuple[Fraction, Fraction]:
    """Two fractions ``a <= b``: independent, or ``b`` within a few raw units above ``a``."""
    low = draw(fractions)
    if draw(st.booleans()):
        high = draw(fractions)
        return (low, high) if low <= high else (high, low)
    gap = Fraction(draw(st.integers(0, 3 * SCALE)), draw(st.integers(1, 10**6)) * SCALE)
    return low, low + gap


def as_untyped(value: object) -> Any:
    """Hand ``value`` to an API whose annotations forbid it (the runtime check is under test)."""
    return value


def is_representable(value: Fraction) -> bool:
    denominator: int = value.denominator
    remainder: int = SCALE % denominator
    return remainder == 0


# --- parsing and printing round-trip ------------------------------------------------------------


@pytest.mark.parametrize("kind", FIXED_KINDS)
@given(raw=raws)
def test_printed_value_parses_back_to_the_same_raw(kind: type[Fixed], raw: int) -> None:
    # Arrange
    value = kind(raw)

    # Act
    from_str = kind.of(str(value))
    from_fixed = kind.of(value.fixed())
    from_decimal = kind.of(value.to_decimal())

    # Assert
    assert from_str == value
    assert from_fixed == value
    assert from_decimal == value
    assert from_str.fraction == Fraction(raw, SCALE)


@given(raw=raws, asset=assets)
def test_printed_amount_parses_back_in_its_asset(raw: int, asset: str) -> None:
    # Arrange
    amount = Amount(raw, asset)

    # Act
    number, printed_asset = str(amount).split(" ")
    from_str = Amount.of(number, printed_asset)
    from_fixed = Amount.of(amount.fixed(), asset)

    # Assert
    assert from_str == amount
    assert from_fixed == amount


@given(whole=st.integers(-(10**12), 10**12))
def test_integer_input_is_exact(whole: int) -> None:
    # Act
    price = Price.of(whole)

    # Assert
    assert price.raw == whole * SCALE
    assert str(price) == str(whole)


# --- from_fraction rounding ---------------------------------------------------------------------


@given(value=fractions)
def test_floor_and_ceiling_bracket_the_exact_value_within_one_unit(value: Fraction) -> None:
    # Act
    floor = Rate.from_fraction(value, Rounding.FLOOR)
    ceiling = Rate.from_fraction(value, Rounding.CEILING)

    # Assert
    assert floor.fraction <= value <= ceiling.fraction
    assert ceiling.raw - floor.raw in (0, 1)
    assert (ceiling.raw == floor.raw) == is_representable(value)
    if is_representable(value):
        assert floor.fraction == value


@given(value=fractions)
def test_half_even_is_nearest_and_between_floor_and_ceiling(value: Fraction) -> None:
    # Act
    floor = Price.from_fraction(value, Rounding.FLOOR)
    ceiling = Price.from_fraction(value, Rounding.CEILING)
    nearest = Price.from_fraction(value, Rounding.HALF_EVEN)

    # Assert
    assert floor <= nearest <= ceiling
    assert abs(nearest.fraction - value) <= HALF_UNIT
    if abs(nearest.fraction - value) == HALF_UNIT:
        assert nearest.raw % 2 == 0


@pytest.mark.parametrize("rounding", ROUNDINGS)
@given(pair=ordered_fraction_pairs())
def test_rounding_preserves_order(rounding: Rounding, pair: tuple[Fraction, Fraction]) -> None:
    # Arrange
    low, high = pair

    # Act
    rounded_low = Qty.from_fraction(low, rounding)
    rounded_high = Qty.from_fraction(high, rounding)

    # Assert
    assert rounded_low <= rounded_high


@given(value=fractions)
def test_half_even_is_symmetric_and_floor_mirrors_ceiling(value: Fraction) -> None:
    # Act
    nearest_of_negated = Price.from_fraction(-value, Rounding.HALF_EVEN)
    floor_of_negated = Price.from_fraction(-value, Rounding.FLOOR)

    # Assert
    assert nearest_of_negated == -Price.from_fraction(value, Rounding.HALF_EVEN)
    assert floor_of_negated == -Price.from_fraction(value, Rounding.CEILING)


@pytest.mark.parametrize("rounding", ROUNDINGS)
@given(value=fractions, asset=assets)
def test_amount_rounds_like_the_plain_types(
    rounding: Rounding, value: Fraction, asset: str
) -> None:
    # Act
    amount = Amount.from_fraction(value, asset, rounding)

    # Assert
    assert amount.raw == Rate.from_fraction(value, rounding).raw
    assert amount.asset == asset


# --- rejected input -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FIXED_KINDS)
@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_float_input_is_refused(kind: type[Fixed], value: float) -> None:
    # Act / Assert
    with pytest.raises(TypeError):
        kind.of(as_untyped(value))
    with pytest.raises(TypeError):
        Amount.of(as_untyped(value), "USDT")


@pytest.mark.parametrize("kind", FIXED_KINDS)
@given(flag=st.booleans())
def test_bool_input_is_refused(kind: type[Fixed], flag: bool) -> None:
    # Act / Assert
    with pytest.raises(TypeError):
        kind.of(flag)
    with pytest.raises(TypeError):
        Amount.of(flag, "BTC")


#: Decimal's default context keeps 28 significant digits; inputs go well past it.
LONG_DIGITS = 40


@st.composite
def over_precise_decimals(draw: st.DrawFn) -> str:
    """A decimal string whose ninth or later decimal place is significant."""
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.integers(0, 10**19))
    first_eight = draw(st.text("0123456789", min_size=8, max_size=8))
    middle = draw(st.text("0123456789", max_size=LONG_DIGITS))
    last = draw(st.sampled_from("123456789"))
    trailing_zeros = "0" * draw(st.integers(0, 5))
    return f"{sign}{whole}.{first_eight}{middle}{last}{trailing_zeros}"


@st.composite
def exact_decimals(draw: st.DrawFn) -> Decimal:
    """A finite Decimal below 1e19 in magnitude, with up to 40 significant digits."""
    digits = draw(st.integers(1, LONG_DIGITS))
    coefficient = draw(st.integers(-(10**digits - 1), 10**digits - 1))
    exponent = draw(st.integers(-50, 19 - digits))
    return Decimal(f"{coefficient}E{exponent}")


@pytest.mark.parametrize("kind", FIXED_KINDS)
@given(text=over_precise_decimals())
def test_more_than_eight_significant_places_raise_instead_of_rounding(
    kind: type[Fixed], text: str
) -> None:
    # Act / Assert
    with pytest.raises(PrecisionError):
        kind.of(text)
    with pytest.raises(PrecisionError):
        kind.of(Decimal(text))
    with pytest.raises(PrecisionError):
        Amount.of(text, "USDT")


@given(value=exact_decimals())
def test_a_decimal_parses_exactly_or_raises_precision_error(value: Decimal) -> None:
    # Arrange
    exact = Fraction(value)

    # Act / Assert
    if is_representable(exact):
        assert Price.of(value).fraction == exact
        assert Price.of(str(value)).fraction == exact
    else:
        with pytest.raises(PrecisionError):
            Price.of(value)
        with pytest.raises(PrecisionError):
            Price.of(str(value))


@pytest.mark.parametrize(
    "text",
    [
        "1.00000000000000000000000000001",
        "10000000000000000000.000000001",
        "12345.123456780000000000000000000001",
    ],
)
def test_digit_past_the_28th_significant_one_is_not_rounded_away(text: str) -> None:
    """Regression: parse_raw once scaled with Decimal.scaleb, which rounds to 28 digits."""
    # Act / Assert
    with pytest.raises(PrecisionError):
        Price.of(text)
    with pytest.raises(PrecisionError):
        Price.of(Decimal(text))


NON_FINITE = ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-inf", "+Inf"]


@pytest.mark.parametrize("kind", FIXED_KINDS)
@pytest.mark.parametrize("text", NON_FINITE)
def test_non_finite_input_raises_value_error(kind: type[Fixed], text: str) -> None:
    # Act / Assert
    with pytest.raises(ValueError, match="finite"):
        kind.of(text)
    with pytest.raises(ValueError, match="finite"):
        kind.of(Decimal(text))
    with pytest.raises(ValueError, match="finite"):
        Amount.of(text, "BTC")


# --- arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FIXED_KINDS)
@given(left=raws, right=raws)
def test_addition_and_subtraction_add_raw_units_exactly(
    kind: type[Fixed], left: int, right: int
) -> None:
    # Arrange
    a, b = kind(left), kind(right)

    # Act
    total = a + b
    difference = a - b

    # Assert
    assert total.raw == left + right
    assert difference.raw == left - right
    assert total.fraction == a.fraction + b.fraction
    assert type(total) is kind
    assert type(difference) is kind
    assert total - b == a


@given(left=raws, right=raws, asset=assets)
def test_amounts_of_one_asset_add_exactly(left: int, right: int, asset: str) -> None:
    # Arrange
    a, b = Amount(left, asset), Amount(right, asset)

    # Act
    total = a + b
    difference = a - b

    # Assert
    assert total == Amount(left + right, asset)
    assert difference == Amount(left - right, asset)
    assert total - b == a


@given(left=raws, right=raws, assets_pair=st.lists(assets, min_size=2, max_size=2, unique=True))
def test_amounts_of_different_assets_do_not_mix(
    left: int, right: int, assets_pair: list[str]
) -> None:
    # Arrange
    a, b = Amount(left, assets_pair[0]), Amount(right, assets_pair[1])

    # Act / Assert
    with pytest.raises(ValueError, match="cannot combine"):
        _ = a + b
    with pytest.raises(ValueError, match="cannot combine"):
        _ = a - b


@given(left=raws, right=raws)
def test_values_of_different_dimensions_do_not_mix(left: int, right: int) -> None:
    # Arrange
    price, quantity, rate = Price(left), Qty(right), Rate(right)
    amount = Amount(right, "USDT")

    # Act / Assert
    with pytest.raises(TypeError):
        _ = price + as_untyped(quantity)
    with pytest.raises(TypeError):
        _ = quantity - as_untyped(price)
    with pytest.raises(TypeError):
        _ = rate + as_untyped(price)
    with pytest.raises(TypeError):
        _ = amount + as_untyped(price)
    with pytest.raises(TypeError):
        _ = price + as_untyped(amount)


def _reference_text(raw: int, places: int) -> str:
    """``raw`` at ``places`` decimals through Decimal (exact scaleb, half-even quantize)."""
    with localcontext(prec=80):
        value = Decimal(raw).scaleb(-8)
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = f"{value:f}"
    return text[1:] if text.startswith("-") and value == 0 else text


@given(st.integers(min_value=-(10**30), max_value=10**30), st.integers(min_value=0, max_value=8))
def test_format_raw_prints_the_exact_value_at_its_places(raw: int, places: int) -> None:
    assert format_raw(raw, places) == _reference_text(raw, places)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_trim_raw_prints_the_shortest_exact_decimal(raw: int) -> None:
    expected = _reference_text(raw, 8).rstrip("0").rstrip(".")

    assert trim_raw(raw) == (expected if raw % SCALE else str(raw // SCALE))
