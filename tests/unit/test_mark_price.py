"""Mark price (binance-mechanics §5): basis samples, their moving average, Price 1/2, the median."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.pricing.mark_price import (
    BasisAverage,
    MarkPriceConfig,
    basis_raw,
    mark_price_raw,
    median3,
    price1_raw,
    price2_raw,
)

S = 10**8  # raw units per 1 (fixed.SCALE)
EIGHT_HOURS_MS = 8 * 3600 * 1000
FOUR_HOURS_MS = 4 * 3600 * 1000
raws = st.integers(min_value=-(10**16), max_value=10**16)


def test_config_defaults_to_thirty_samples_five_seconds_apart() -> None:
    config = MarkPriceConfig()

    assert (config.basis_sample_interval_ms, config.basis_window) == (5_000, 30)


@pytest.mark.parametrize(
    "kwargs", [{"basis_window": 0}, {"basis_sample_interval_ms": 0}, {"basis_window": -1}]
)
def test_config_rejects_a_window_or_interval_that_is_not_positive(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        MarkPriceConfig(**kwargs)


def test_basis_is_mid_price_minus_index() -> None:
    # bid 30000, ask 30001 -> mid 30000.5; index 29999.5 -> basis 1
    assert basis_raw(30000 * S, 30001 * S, 29999 * S + S // 2) == 1 * S


@pytest.mark.parametrize(
    ("bid_raw", "ask_raw", "expected"),
    [
        (1, 2, 2),  # mid 1.5 raw: halfway, rounds to the even 2
        (1, 4, 2),  # mid 2.5 raw: halfway, rounds to the even 2
        (-1, -2, -2),  # mid -1.5 raw: rounds to the even -2
    ],
)
def test_basis_rounds_a_half_raw_unit_to_even(bid_raw: int, ask_raw: int, expected: int) -> None:
    index = 30000 * S

    assert basis_raw(index + bid_raw, index + ask_raw, index) == expected


def test_basis_average_is_none_before_the_first_sample() -> None:
    assert BasisAverage(30).mean_raw() is None


def test_basis_average_keeps_only_the_last_window_samples() -> None:
    # Arrange: a window of 3 fed four samples
    average = BasisAverage(3)
    for sample in (10, 20, 30, 40):
        average.add(sample)

    # Act / Assert: 10 has rolled out; (20 + 30 + 40) / 3 = 30
    assert average.to_state() == [20, 30, 40]
    assert average.count == 3
    assert average.mean_raw() == 30


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([1, 2], 2),  # 1.5 -> even 2
        ([1, 2, 3, 4], 2),  # 2.5 -> even 2
        ([-1, -2], -2),  # -1.5 -> even -2
        ([1, 1, 2], 1),  # 1.333... -> 1
    ],
)
def test_basis_average_rounds_half_even(samples: list[int], expected: int) -> None:
    average = BasisAverage.from_state(30, samples)

    assert average.mean_raw() == expected


def test_basis_average_survives_a_state_round_trip() -> None:
    # Arrange
    average = BasisAverage(4)
    for sample in (5 * S, -3 * S, 7):
        average.add(sample)

    # Act
    restored = BasisAverage.from_state(4, average.to_state())
    restored.add(11)
    average.add(11)

    # Assert
    assert restored.to_state() == average.to_state()
    assert restored.mean_raw() == average.mean_raw()
    assert restored.window == 4


def test_basis_average_refuses_a_state_longer_than_its_window() -> None:
    with pytest.raises(ValueError, match="more than the window"):
        BasisAverage.from_state(2, [1, 2, 3])


def test_basis_average_refuses_a_window_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        BasisAverage(0)


def test_price1_carries_the_index_forward_by_the_funding_still_to_come() -> None:
    # 30000 × (1 + 0.0001 × 4h/8h) = 30000 × 1.00005 = 30001.5
    assert price1_raw(30000 * S, 10_000, FOUR_HOURS_MS, EIGHT_HOURS_MS) == 30001 * S + S // 2


def test_price1_falls_below_the_index_when_the_funding_rate_is_negative() -> None:
    # 30000 × (1 − 0.0001 × 4h/8h) = 29998.5
    assert price1_raw(30000 * S, -10_000, FOUR_HOURS_MS, EIGHT_HOURS_MS) == 29998 * S + S // 2


def test_price1_is_the_index_at_the_funding_time() -> None:
    assert price1_raw(30000 * S, 10_000, 0, EIGHT_HOURS_MS) == 30000 * S


@pytest.mark.parametrize(
    ("index_raw", "expected"),
    [
        (5_000, 5_000),  # 5000 × 1.0001 = 5000.5 raw -> even 5000
        (15_000, 15_002),  # 15000 × 1.0001 = 15001.5 raw -> even 15002
        (100_000_001, 100_010_001),  # 1.00000001 × 1.0001 = 100010001.0001 raw -> 100010001
    ],
)
def test_price1_rounds_half_even(index_raw: int, expected: int) -> None:
    assert price1_raw(index_raw, 10_000, EIGHT_HOURS_MS, EIGHT_HOURS_MS) == expected


def test_price1_rejects_a_non_positive_interval_or_negative_time() -> None:
    with pytest.raises(ValueError, match="interval_ms"):
        price1_raw(S, 0, 0, 0)
    with pytest.raises(ValueError, match="ms_until_funding"):
        price1_raw(S, 0, -1, EIGHT_HOURS_MS)


def test_price2_adds_the_basis_average_to_the_index() -> None:
    assert price2_raw(30000 * S, -25 * S // 10) == 29997 * S + S // 2  # 30000 − 2.5


def test_price2_is_the_index_before_any_basis_sample() -> None:
    assert price2_raw(30000 * S, None) == 30000 * S


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        (1, 2, 3, 2),  # "If Price 1 < Price 2 < Contract Price, then take Price 2"
        (3, 1, 2, 2),
        (2, 3, 1, 2),
        (5, 5, 1, 5),  # a tie: the tied value is the median
        (1, 5, 5, 5),
        (4, 4, 4, 4),
    ],
)
def test_median3_takes_the_middle_value(a: int, b: int, c: int, expected: int) -> None:
    assert median3(a, b, c) == expected


@pytest.mark.parametrize(
    ("last_price_raw", "expected"),
    [
        (30010 * S, 30002 * S + S // 2),  # P1 30001.5 < P2 30002.5 < last -> P2
        (29990 * S, 30001 * S + S // 2),  # last < P1 < P2 -> P1
        (30002 * S, 30002 * S),  # P1 < last < P2 -> last
    ],
)
def test_mark_price_is_the_median_of_price1_price2_and_last(
    last_price_raw: int, expected: int
) -> None:
    # Arrange: index 30000, rate 0.0001, 4 h of 8 left -> P1 = 30001.5; basis MA 2.5 -> P2 30002.5
    # Act
    mark = mark_price_raw(
        index_raw=30000 * S,
        funding_rate_raw=10_000,
        ms_until_funding=FOUR_HOURS_MS,
        interval_ms=EIGHT_HOURS_MS,
        basis_mean_raw=25 * S // 10,
        last_price_raw=last_price_raw,
    )

    # Assert
    assert mark == expected


def test_mark_price_without_a_last_trade_is_price2() -> None:
    # P1 = 30001.5, P2 = 30000 − 1 = 29999; median(P1, P2, P2) = P2
    mark = mark_price_raw(
        index_raw=30000 * S,
        funding_rate_raw=10_000,
        ms_until_funding=FOUR_HOURS_MS,
        interval_ms=EIGHT_HOURS_MS,
        basis_mean_raw=-1 * S,
        last_price_raw=None,
    )

    assert mark == 29999 * S


@given(raws, raws, raws)
def test_median_is_one_of_its_inputs_and_between_the_others(a: int, b: int, c: int) -> None:
    result = median3(a, b, c)

    assert result in (a, b, c)
    assert min(a, b, c) <= result <= max(a, b, c)


@given(st.integers(min_value=1, max_value=40), st.lists(raws, min_size=1, max_size=80))
def test_basis_average_lies_within_its_window_samples(window: int, samples: list[int]) -> None:
    average = BasisAverage(window)
    for sample in samples:
        average.add(sample)

    mean = average.mean_raw()

    kept = samples[-window:]
    assert mean is not None
    assert min(kept) <= mean <= max(kept)
