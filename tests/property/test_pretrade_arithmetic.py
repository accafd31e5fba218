"""The pre-trade check's integer shortcuts give exactly the textbook roundings.

The compiled core avoids big products where it can (a product with an operand past 2**30
leaves the machine word): a ceiling division written ``(n + (d - 1)) // d``, a fee with its
rate reduced to lowest terms, the min-notional filter as a quotient, PERCENT_PRICE's limits
as prices. Each must agree with the plain formula for every input, including the ones far from
Binance's defaults.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.exchange.venue import CommissionRate
from liquidator.core.margin.pretrade import fee
from liquidator.core.money.scaled import (
    SCALE,
    SCALE2,
    ceil_div,
    ceil_scaled_div,
    ceil_scaled_product,
    floor_scaled_product,
)

BIG = st.integers(min_value=-(10**40), max_value=10**40)
POSITIVE = st.integers(min_value=1, max_value=10**30)
RATES = st.one_of(
    st.sampled_from([0, 20_000, 50_000, 40_000, 45_000, 17_500, 1, SCALE, 3 * SCALE]),
    st.integers(min_value=0, max_value=10 * SCALE),
)


def textbook_ceil(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


@given(BIG, POSITIVE)
def test_ceil_div_is_the_ceiling_for_every_sign(numerator: int, denominator: int) -> None:
    assert ceil_div(numerator, denominator) == textbook_ceil(numerator, denominator)


@given(BIG, st.integers(min_value=1, max_value=10**6))
def test_ceil_scaled_div_is_the_ceiling_of_a_margin(value16: int, leverage: int) -> None:
    assert ceil_scaled_div(value16, leverage) == textbook_ceil(value16, SCALE * leverage)


@given(BIG, st.integers(min_value=-(10**20), max_value=10**20))
def test_scaled_products_are_the_floor_and_ceiling(value: int, rate: int) -> None:
    assert floor_scaled_product(value, rate) == (value * rate) // SCALE
    assert ceil_scaled_product(value, rate) == textbook_ceil(value * rate, SCALE)


@given(st.integers(min_value=-(10**36), max_value=10**36), RATES)
def test_fee_is_the_ceiling_of_notional_times_rate(cost16: int, rate: int) -> None:
    assert fee(cost16, rate) == textbook_ceil(cost16 * rate, SCALE2)


@given(st.integers(min_value=-(10**36), max_value=10**36), RATES)
def test_the_venues_commission_rate_is_the_fee(cost16: int, rate: int) -> None:
    assert CommissionRate(rate).of(cost16) == fee(cost16, rate)


@given(
    st.integers(min_value=1, max_value=10**12),  # quantity (raw)
    st.integers(min_value=1, max_value=10**15),  # price (raw)
    st.integers(min_value=0, max_value=10**12),  # min notional (raw)
)
def test_min_notional_as_a_quotient(quantity: int, price: int, minimum: int) -> None:
    """``quantity * price < minimum * SCALE`` iff ``quantity < ceil(minimum * SCALE / price)``."""
    minimum16 = minimum * SCALE
    assert (quantity * price < minimum16) == (quantity < (minimum16 + (price - 1)) // price)


@given(
    st.integers(min_value=1, max_value=10**15),  # price
    st.integers(min_value=1, max_value=10**15),  # mark
    st.integers(min_value=0, max_value=2 * SCALE),  # multiplier
)
def test_percent_price_limits_as_prices(price: int, mark: int, multiplier: int) -> None:
    """A buy above ``mark * up`` is a price above ``floor(mark * up)``; a sell below
    ``mark * down`` is one below ``ceil(mark * down)`` (order_rules.price_limits)."""
    max_buy = mark * multiplier // SCALE
    min_sell = -(-mark * multiplier // SCALE)
    assert (price * SCALE > mark * multiplier) == (price > max_buy)
    assert (price * SCALE < mark * multiplier) == (price < min_sell)
