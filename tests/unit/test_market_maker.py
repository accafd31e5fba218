"""The market maker's ladder around a BTC-like mark, its thinning, and its volatility estimate."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.exchange.maker_quotes import (
    MarketMakerConfig,
    Quote,
    VolatilityEstimate,
    quotes,
)
from liquidator.core.money.fixed import parse_raw

TICK = parse_raw("0.1")
STEP = parse_raw("0.001")
MIN_QTY = parse_raw("0.001")


def btc_ladder(
    mark: str, config: MarketMakerConfig | None = None, volatility_bps: int = 0
) -> list[Quote]:
    return quotes(
        mark_raw=parse_raw(mark),
        tick_raw=TICK,
        step_raw=STEP,
        min_qty_raw=MIN_QTY,
        config=config or MarketMakerConfig(),
        volatility_bps=volatility_bps,
    )


def prices(ladder: list[Quote], side: str) -> list[int]:
    return [quote.price_raw for quote in ladder if quote.side == side]


def sizes(ladder: list[Quote], side: str) -> list[int]:
    return [quote.quantity_raw for quote in ladder if quote.side == side]


def raws(*values: str) -> list[int]:
    return [parse_raw(value) for value in values]


def test_default_ladder_around_30000_has_ten_levels_a_side_growing_twenty_percent() -> None:
    # Half spread 1 bp of 30000 = 3.0; each level 5 bp = 15.0 further out; all land on the tick.
    # Quantities 1 * 1.2**i floored to 0.001: 1, 1.2, 1.44, 1.728, 2.0736 -> 2.073, ...
    ladder = btc_ladder("30000")

    assert [quote.side for quote in ladder] == ["BUY"] * 10 + ["SELL"] * 10
    assert prices(ladder, "BUY") == [parse_raw("29997") - i * parse_raw("15") for i in range(10)]
    assert prices(ladder, "SELL") == [parse_raw("30003") + i * parse_raw("15") for i in range(10)]
    expected = raws(
        "1", "1.2", "1.44", "1.728", "2.073", "2.488", "2.985", "3.583", "4.299", "5.159"
    )
    assert sizes(ladder, "BUY") == expected
    assert sizes(ladder, "SELL") == expected


def test_bids_round_down_and_asks_round_up_to_the_tick() -> None:
    # 30000.05 * 0.9999 = 29997.049995 -> 29997.0; 30000.05 * 1.0001 = 30003.050005 -> 30003.1
    ladder = btc_ladder("30000.05", MarketMakerConfig(levels=1))

    assert prices(ladder, "BUY") == raws("29997.0")
    assert prices(ladder, "SELL") == raws("30003.1")


def test_spread_under_one_tick_quotes_one_tick_apart_around_an_off_tick_mark() -> None:
    # 100.05 * (1 -/+ 0.0001) = 100.039995 / 100.060005 -> 100.0 down and 100.1 up: one tick.
    ladder = btc_ladder("100.05", MarketMakerConfig(levels=1))

    assert prices(ladder, "BUY") == raws("100.0")
    assert prices(ladder, "SELL") == raws("100.1")


def test_zero_spread_on_a_mark_on_the_tick_still_keeps_bid_strictly_below_ask() -> None:
    # Both sides would round to 100.0; the best bid stays under the mark and the ask above it.
    ladder = btc_ladder("100", MarketMakerConfig(spread_bps=0, levels=1))

    assert prices(ladder, "BUY") == raws("99.9")
    assert prices(ladder, "SELL") == raws("100.1")


def test_levels_that_round_to_the_same_tick_are_quoted_once() -> None:
    # Bids 99.99, 99.94, 99.89, ... -> 99.9, 99.9, 99.8, ...: every second level repeats a tick.
    ladder = btc_ladder("100")

    assert prices(ladder, "BUY") == raws("99.9", "99.8", "99.7", "99.6", "99.5")
    assert prices(ladder, "SELL") == raws("100.1", "100.2", "100.3", "100.4", "100.5")
    # The first level to reach a tick keeps it: levels 0, 2, 4, 6, 8.
    assert sizes(ladder, "BUY") == raws("1", "1.44", "2.073", "2.985", "4.299")


def test_volatility_equal_to_the_reference_halves_every_level() -> None:
    # 20 / (20 + 20) = 1/2: 0.5, 0.6, 0.72, 0.864, 1.0368 -> 1.036
    ladder = btc_ladder("30000", MarketMakerConfig(levels=5), volatility_bps=20)

    assert sizes(ladder, "BUY") == raws("0.5", "0.6", "0.72", "0.864", "1.036")


def test_thinning_stops_at_the_minimum_depth() -> None:
    # 20 / (20 + 1000) ~ 2% is below the 10% floor: 0.1, 0.12, 0.144
    ladder = btc_ladder("30000", MarketMakerConfig(levels=3), volatility_bps=1000)

    assert sizes(ladder, "SELL") == raws("0.1", "0.12", "0.144")


def test_quantities_floor_to_the_step_and_levels_under_min_qty_are_dropped() -> None:
    # 0.0015 * 1.2**i = 0.0015, 0.0018, 0.00216, 0.002592 -> 0.001, 0.001, 0.002, 0.002;
    # with min qty 0.002 the two best levels go and the ladder starts at level 2 (30000 - 33).
    config = MarketMakerConfig(levels=4, quantity_raw=parse_raw("0.0015"))

    ladder = quotes(
        mark_raw=parse_raw("30000"),
        tick_raw=TICK,
        step_raw=STEP,
        min_qty_raw=parse_raw("0.002"),
        config=config,
    )

    assert prices(ladder, "BUY") == raws("29967", "29952")
    assert sizes(ladder, "BUY") == raws("0.002", "0.002")
    assert prices(ladder, "SELL") == raws("30033", "30048")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("spread_bps", -1, "spread_bps"),
        ("spread_bps", 20_000, "spread_bps"),
        ("levels", 0, "levels"),
        ("level_step_bps", 0, "level_step_bps"),
        ("quantity_raw", 0, "quantity_raw"),
        ("depth_growth_pct", -1, "depth_growth_pct"),
        ("volatility_reference_bps", 0, "volatility_reference_bps"),
        ("min_depth_pct", 101, "min_depth_pct"),
        ("volatility_half_life", 0, "volatility_half_life"),
    ],
)
def test_config_rejects_out_of_range_values(field: str, value: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(MarketMakerConfig(), **{field: value})


def test_quotes_reject_a_non_positive_tick() -> None:
    with pytest.raises(ValueError, match="positive"):
        quotes(mark_raw=1, tick_raw=0, step_raw=1, min_qty_raw=0, config=MarketMakerConfig())


def test_first_mark_only_records_the_price() -> None:
    estimate = VolatilityEstimate(half_life=1)

    estimate.update(parse_raw("30000"))

    assert estimate.centi_bps == 0
    assert estimate.to_state() == [0, parse_raw("30000")]


def test_volatility_rises_after_a_jump_and_decays_back_with_half_life_one() -> None:
    # Half-life 1: keep = 1/2. A 30 move on 30000 is 10 bp = 1000 centi-bps -> 500 (5 bp);
    # a flat mark then halves it: 250 (2.5 -> 2 bp half-even), 125 (1.25 -> 1 bp), ... 0.
    estimate = VolatilityEstimate(half_life=1)
    estimate.update(parse_raw("30000"))

    estimate.update(parse_raw("30030"))
    after_jump = (estimate.centi_bps, estimate.bps)
    estimate.update(parse_raw("30030"))
    one_flat = (estimate.centi_bps, estimate.bps)
    estimate.update(parse_raw("30030"))
    two_flat = (estimate.centi_bps, estimate.bps)
    for _ in range(10):
        estimate.update(parse_raw("30030"))

    assert after_jump == (500, 5)
    assert one_flat == (250, 2)
    assert two_flat == (125, 1)
    assert estimate.centi_bps == 0


def test_volatility_loses_half_its_weight_after_one_half_life() -> None:
    # keep = 2**(-1/20) = 0.965936328 (billionths, floored); 20 floored steps from 1,000,000
    # centi-bps land a few units under 500,000.
    estimate = VolatilityEstimate.from_state(20, [1_000_000, parse_raw("30000")])

    for _ in range(20):
        estimate.update(parse_raw("30000"))

    assert 499_980 <= estimate.centi_bps <= 500_000


def test_volatility_jump_with_the_default_half_life() -> None:
    # 30000 -> 33000 is 1000 bp = 100,000 centi-bps; weight 1 - 0.965936328 = 0.034063672
    # -> 3406 centi-bps = 34 bp.
    estimate = VolatilityEstimate()
    estimate.update(parse_raw("30000"))

    estimate.update(parse_raw("33000"))

    assert estimate.centi_bps == 3406
    assert estimate.bps == 34


def test_volatility_state_round_trips_and_continues_identically() -> None:
    original = VolatilityEstimate(half_life=7)
    for mark in ("30000", "30100", "29950"):
        original.update(parse_raw(mark))

    restored = VolatilityEstimate.from_state(7, original.to_state())
    original.update(parse_raw("30200"))
    restored.update(parse_raw("30200"))

    assert restored.to_state() == original.to_state()
    assert VolatilityEstimate.from_state(7, [0]).to_state() == [0]


@pytest.mark.parametrize("state", [[], [-1], [5, 0], [1, 2, 3]])
def test_volatility_rejects_a_malformed_state(state: list[int]) -> None:
    with pytest.raises(ValueError, match="volatility state"):
        VolatilityEstimate.from_state(20, state)


configs = st.builds(
    MarketMakerConfig,
    spread_bps=st.integers(0, 500),
    levels=st.integers(1, 20),
    level_step_bps=st.integers(1, 200),
    quantity_raw=st.integers(1, 10**10),
    depth_growth_pct=st.integers(0, 100),
    volatility_reference_bps=st.integers(1, 100),
    min_depth_pct=st.integers(0, 100),
)
ladders = st.builds(
    lambda mark, tick, step, min_qty, config, volatility: (
        quotes(
            mark_raw=mark,
            tick_raw=tick,
            step_raw=step,
            min_qty_raw=min_qty,
            config=config,
            volatility_bps=volatility,
        ),
        tick,
        step,
        min_qty,
    ),
    st.integers(1, 10**15),
    st.integers(1, 10**9),
    st.integers(1, 10**8),
    st.integers(0, 10**9),
    configs,
    st.integers(0, 5000),
)


@given(ladders)
def test_every_bid_is_below_every_ask_and_each_side_is_monotone(
    case: tuple[list[Quote], int, int, int],
) -> None:
    ladder = case[0]
    bids, asks = prices(ladder, "BUY"), prices(ladder, "SELL")

    assert [quote.side for quote in ladder] == ["BUY"] * len(bids) + ["SELL"] * len(asks)
    assert all(higher > lower for higher, lower in pairwise(bids))
    assert all(lower < higher for lower, higher in pairwise(asks))
    if bids and asks:
        assert max(bids) < min(asks)


@given(ladders)
def test_every_quote_is_on_tick_and_step_positive_and_at_least_min_qty(
    case: tuple[list[Quote], int, int, int],
) -> None:
    ladder, tick, step, min_qty = case

    for quote in ladder:
        assert quote.price_raw > 0
        assert quote.price_raw % tick == 0
        assert quote.quantity_raw % step == 0
        assert quote.quantity_raw >= max(min_qty, 1)
