"""Funding (binance-mechanics §9): impact prices, premium index, funding rate, payments, times."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.pricing.funding import (
    FundingConfig,
    PremiumAverage,
    funding_payment_raw,
    funding_rate_raw,
    impact_notional_raw,
    impact_price_raw,
    next_funding_time_ms,
    premium_index_raw,
)

S = 10**8  # raw units per 1 (fixed.SCALE)
HOUR_MS = 3600 * 1000
EIGHT_HOURS_MS = 8 * HOUR_MS
CONFIG = FundingConfig()
ASKS = [(100 * S, 2 * S), (101 * S, 3 * S)]  # 200 + 303 = 503 USDT of notional
BIDS = [(101 * S, 2 * S), (100 * S, 3 * S)]  # 202 + 300 = 502 USDT of notional


def test_config_defaults_are_binance_8h_usdm_values() -> None:
    assert CONFIG.interval_ms == EIGHT_HOURS_MS
    assert CONFIG.interest_rate_raw == 10_000  # 0.0001
    assert (CONFIG.clamp_raw, CONFIG.cap_raw, CONFIG.floor_raw) == (50_000, 300_000, -300_000)
    assert CONFIG.impact_margin_raw == 200 * S


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval_ms": 0}, "interval_ms"),
        ({"sample_interval_ms": 0}, "sample_interval_ms"),
        ({"sample_interval_ms": EIGHT_HOURS_MS + 1}, "sample_interval_ms"),
        ({"clamp_raw": -1}, "clamp_raw"),
        ({"floor_raw": 1, "cap_raw": 0}, "above cap_raw"),
        ({"impact_margin_raw": 0}, "impact_margin_raw"),
    ],
)
def test_config_rejects_inconsistent_parameters(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FundingConfig(**kwargs)


def test_impact_notional_for_btcusdt_at_125x_is_25000_usdt() -> None:
    # 200 USDT / 0.8% = 200 × 125 = 25,000 USDT
    assert impact_notional_raw(CONFIG.impact_margin_raw, 125) == 25_000 * S


def test_impact_notional_rejects_a_leverage_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="max_leverage"):
        impact_notional_raw(200 * S, 0)


def test_impact_ask_takes_the_last_level_in_part() -> None:
    # 450 USDT: 200 at 100 (2 BTC), then 250 at 101 (250/101 BTC); total 452/101 BTC
    # average = 450 / (452/101) = 45450/452 = 100.5530973451... -> 100.55309735
    assert impact_price_raw(ASKS, 450 * S) == 10_055_309_735


def test_impact_bid_walks_down_the_bids() -> None:
    # 450 USDT: 202 at 101 (2 BTC), then 248 at 100 (2.48 BTC); 450 / 4.48 = 100.446428571...
    assert impact_price_raw(BIDS, 450 * S) == 10_044_642_857


def test_impact_price_inside_the_first_level_is_that_price() -> None:
    assert impact_price_raw(ASKS, 50 * S) == 100 * S


def test_impact_price_using_the_whole_book_exactly_is_defined() -> None:
    # 503 USDT buys 5 BTC: 503 / 5 = 100.6
    assert impact_price_raw(ASKS, 503 * S) == 10_060_000_000


def test_impact_price_is_none_when_the_book_is_too_thin() -> None:
    assert impact_price_raw(ASKS, 503 * S + 1) is None
    assert impact_price_raw([], 1) is None


def test_impact_price_rejects_bad_levels_and_notional() -> None:
    with pytest.raises(ValueError, match="notional_raw"):
        impact_price_raw(ASKS, 0)
    with pytest.raises(ValueError, match="invalid book level"):
        impact_price_raw([(0, S)], S)


@pytest.mark.parametrize(
    ("impact_bid", "impact_ask", "expected"),
    [
        (30015 * S, 30020 * S, 50_000),  # bids above the index: 15 / 30000 = 0.0005
        (29980 * S, 29985 * S, -50_000),  # asks below the index: −15 / 30000 = −0.0005
        (29990 * S, 30010 * S, 0),  # the index inside the impact spread: no premium
    ],
)
def test_premium_index_measures_impact_prices_outside_the_index(
    impact_bid: int, impact_ask: int, expected: int
) -> None:
    assert premium_index_raw(impact_bid, impact_ask, 30000 * S) == expected


@pytest.mark.parametrize(("excess_raw", "expected"), [(1, 0), (3, 2)])
def test_premium_index_rounds_half_even(excess_raw: int, expected: int) -> None:
    # index 2: (1 raw / 2) = 0.5 raw -> even 0; (3 raw / 2) = 1.5 raw -> even 2
    index = 2 * S

    assert premium_index_raw(index + excess_raw, index + 10 * S, index) == expected


def test_premium_index_rejects_a_non_positive_index() -> None:
    with pytest.raises(ValueError, match="index_raw"):
        premium_index_raw(S, S, 0)


def test_premium_average_weighs_samples_equally_and_rounds_half_even() -> None:
    # Arrange
    average = PremiumAverage()
    for sample in (100, 200, 400):
        average.add(sample)

    # Act / Assert: 700 / 3 = 233.33 -> 233
    assert average.mean_raw() == 233
    assert average.count == 3
    average.add(-699)  # 1 / 4 = 0.25 -> 0
    assert average.mean_raw() == 0
    average.add(9)  # 10 / 5 = 2
    assert average.mean_raw() == 2


def test_premium_average_rounds_a_half_to_even() -> None:
    assert PremiumAverage.from_state([5, 2]).mean_raw() == 2  # 2.5 -> 2
    assert PremiumAverage.from_state([7, 2]).mean_raw() == 4  # 3.5 -> 4


def test_premium_average_reset_starts_a_new_interval() -> None:
    average = PremiumAverage.from_state([700, 3])

    average.reset()

    assert average.count == 0
    assert average.mean_raw() is None


def test_premium_average_state_is_sum_and_count_and_round_trips() -> None:
    # Arrange
    average = PremiumAverage()
    for sample in (50_000, -20_000, 7):
        average.add(sample)

    # Act
    restored = PremiumAverage.from_state(average.to_state())

    # Assert
    assert average.to_state() == [30_007, 3]
    assert restored.to_state() == [30_007, 3]
    assert restored.mean_raw() == average.mean_raw() == 10_002  # 30007 / 3 = 10002.33


@pytest.mark.parametrize("state", [[1], [1, -1], [5, 0], [1, 2, 3]])
def test_premium_average_refuses_a_malformed_state(state: list[int]) -> None:
    with pytest.raises(ValueError, match="premium state"):
        PremiumAverage.from_state(state)


@pytest.mark.parametrize(
    ("average_premium", "expected"),
    [
        (10_000, 10_000),  # P = I: F = I = 0.0001
        (30_000, 10_000),  # |I − P| = 0.0002 <= 0.0005: F = I
        (-40_000, 10_000),  # |I − P| = 0.0005 exactly: F = I
        (200_000, 150_000),  # 0.002 + clamp(−0.0019) = 0.002 − 0.0005 = 0.0015
        (-200_000, -150_000),  # −0.002 + clamp(0.0021) = −0.002 + 0.0005 = −0.0015
        (500_000, 300_000),  # 0.005 − 0.0005 = 0.0045, capped at 0.003
        (-500_000, -300_000),  # −0.005 + 0.0005 = −0.0045, floored at −0.003
    ],
)
def test_funding_rate_pulls_the_premium_toward_the_interest_rate_then_caps(
    average_premium: int, expected: int
) -> None:
    assert funding_rate_raw(average_premium, CONFIG) == expected


def test_funding_rate_uses_the_configured_symbol_cap() -> None:
    config = FundingConfig(cap_raw=3_000_000, floor_raw=-3_000_000)  # ±3% for ≤25x symbols

    assert funding_rate_raw(500_000, config) == 450_000  # 0.0045, under the 3% cap


@pytest.mark.parametrize(
    ("quantity_raw", "rate_raw", "expected"),
    [
        # 0.1 × 30000.12345678 × 0.0001 = 0.3000012345678
        (10_000_000, 10_000, 30_000_124),  # long pays, rounded up: 0.30000124
        (-10_000_000, 10_000, -30_000_123),  # short receives, rounded down: 0.30000123
        (10_000_000, -10_000, -30_000_123),  # negative rate: long receives 0.30000123
        (-10_000_000, -10_000, 30_000_124),  # negative rate: short pays 0.30000124
        (0, 10_000, 0),  # flat: nothing to pay
    ],
)
def test_funding_payment_rounds_against_the_account(
    quantity_raw: int, rate_raw: int, expected: int
) -> None:
    assert funding_payment_raw(quantity_raw, 3_000_012_345_678, rate_raw) == expected


def test_funding_payment_is_exact_when_it_fits_the_scale() -> None:
    # 2 BTC × 30000 × 0.0001 = 6 USDT
    assert funding_payment_raw(2 * S, 30000 * S, 10_000) == 6 * S


@pytest.mark.parametrize(
    ("now_ms", "expected"),
    [
        (1_704_067_200_000, 1_704_096_000_000),  # 2024-01-01 00:00 UTC exactly -> 08:00
        (1_704_067_200_001, 1_704_096_000_000),  # just after 00:00 -> 08:00
        (1_704_095_999_999, 1_704_096_000_000),  # just before 08:00 -> 08:00
        (1_704_096_000_000, 1_704_124_800_000),  # 08:00 exactly -> 16:00
        (0, EIGHT_HOURS_MS),
    ],
)
def test_next_funding_time_is_strictly_after_now_on_the_utc_grid(
    now_ms: int, expected: int
) -> None:
    assert next_funding_time_ms(now_ms, EIGHT_HOURS_MS) == expected


def test_next_funding_time_follows_a_shorter_interval() -> None:
    # 4 h interval: 2024-01-01 05:30 UTC -> 08:00 UTC
    assert next_funding_time_ms(1_704_067_200_000 + 5 * HOUR_MS + 30 * 60_000, 4 * HOUR_MS) == (
        1_704_096_000_000
    )


def test_next_funding_time_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval_ms"):
        next_funding_time_ms(0, 0)


quantities = st.integers(min_value=-(10**12), max_value=10**12)
prices = st.integers(min_value=1, max_value=10**14)
rates = st.integers(min_value=-3_000_000, max_value=3_000_000)


@given(quantities, prices, rates)
def test_venue_never_pays_out_more_than_it_collects(quantity: int, mark: int, rate: int) -> None:
    long_pays = funding_payment_raw(quantity, mark, rate)
    short_pays = funding_payment_raw(-quantity, mark, rate)

    assert long_pays + short_pays >= 0
    assert long_pays + short_pays <= 1  # rounding costs at most one raw unit per pair


@given(st.lists(st.integers(min_value=-(10**7), max_value=10**7), min_size=1, max_size=200))
def test_premium_average_lies_within_its_samples(samples: list[int]) -> None:
    average = PremiumAverage()
    for sample in samples:
        average.add(sample)

    mean = average.mean_raw()

    assert mean is not None
    assert min(samples) <= mean <= max(samples)


@given(st.integers(min_value=-(10**8), max_value=10**8))
def test_funding_rate_stays_within_floor_and_cap(average_premium: int) -> None:
    rate = funding_rate_raw(average_premium, CONFIG)

    assert CONFIG.floor_raw <= rate <= CONFIG.cap_raw


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=10**7), st.integers(0, 10**9)),
        min_size=1,
        max_size=20,
    ),
    st.integers(min_value=1, max_value=10**12),
)
def test_impact_price_lies_between_the_prices_it_walked(
    levels: list[tuple[int, int]], notional: int
) -> None:
    price = impact_price_raw(levels, notional)

    if price is not None:
        walked = [p for p, _ in levels]
        assert min(walked) <= price <= max(walked)
