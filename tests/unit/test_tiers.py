"""Leverage brackets: lookup by notional, and the cum recurrence Binance's FAQ states."""

from __future__ import annotations

from fractions import Fraction

import pytest

from liquidator.core.contracts.brackets import (
    Bracket,
    BracketTable,
    BracketTableError,
    expected_maintenance_amount,
)
from liquidator.core.contracts.market import Market
from liquidator.core.money.fixed import Amount, Rate


def bracket(
    number: int, floor: str, cap: str, rate: str, cum: str, leverage: int = 100, asset: str = "USDT"
) -> Bracket:
    return Bracket(
        number,
        leverage,
        Amount.of(floor, asset),
        Amount.of(cap, asset),
        Rate.of(rate),
        Amount.of(cum, asset),
    )


def test_faq_level_3_maintenance_amount_is_1300() -> None:
    # FAQ: "Maintenance Amount on Level 3 = 250,000 × (1% − 0.5%) + 50 = 1,300 USDT"
    level_2 = bracket(2, "50000", "250000", "0.005", "50")

    assert (
        expected_maintenance_amount(level_2, Amount.of("250000", "USDT"), Rate.of("0.01")) == 1300
    )


def test_coinm_faq_level_5_maintenance_amount_is_1_81_btc() -> None:
    # FAQ (COIN-M): "BTCUSD Maintenance Amount on Level 5 = 50 BTC × (5% − 2.5%) + 0.56 BTC
    # = 1.81 BTC"
    level_4 = bracket(4, "20", "50", "0.025", "0.56", asset="BTC")

    assert expected_maintenance_amount(
        level_4, Amount.of("50", "BTC"), Rate.of("0.05")
    ) == Fraction("1.81")


def test_bundled_tables_hold_the_recurrence_and_match_the_2024_10_copy(market: Market) -> None:
    btc = market.brackets["BTCUSDT"]

    assert [b.maintenance_amount for b in btc.brackets][:4] == [
        Amount.of(v, "USDT") for v in ("0", "50", "950", "11450")
    ]
    assert len(btc.brackets) == 12
    assert len(market.brackets["ETHUSDT"].brackets) == 12
    assert market.brackets["BTCUSD_PERP"].margin_asset == "BTC"


@pytest.mark.parametrize(
    ("notional", "expected"),
    [
        ("0", 1),
        ("49999.99999999", 1),
        ("50000", 2),
        ("599999", 2),
        ("600000", 3),
        ("2000000000", 12),
    ],
)
def test_bracket_is_the_highest_whose_floor_is_at_or_below_the_notional(
    market: Market, notional: str, expected: int
) -> None:
    assert market.brackets["BTCUSDT"].bracket_for(Fraction(notional)).number == expected


def test_maintenance_margin_is_continuous_at_every_floor(market: Market) -> None:
    for table in market.brackets.values():
        for below, above in zip(table.brackets, table.brackets[1:], strict=False):
            at_floor = above.floor.fraction
            assert below.maintenance_margin(at_floor) == above.maintenance_margin(at_floor)


@pytest.mark.parametrize(
    ("brackets", "message"),
    [
        ((), "no brackets"),
        ((bracket(1, "10", "50", "0.004", "0"),), "must start at 0"),
        (
            (bracket(1, "0", "50", "0.004", "0"), bracket(2, "60", "90", "0.005", "0.3")),
            "does not meet",
        ),
        (
            (bracket(1, "0", "50", "0.004", "0"), bracket(2, "50", "90", "0.005", "0.06")),
            "breaks the recurrence",
        ),
        (
            (bracket(1, "0", "50", "0.005", "0"), bracket(2, "50", "90", "0.004", "-0.05")),
            "below the previous",
        ),
        (
            (bracket(1, "0", "50", "0.004", "0", 20), bracket(2, "50", "90", "0.005", "0.05", 50)),
            "rises",
        ),
        ((bracket(1, "0", "50", "1", "0"),), "must be in [0, 1)"),
        ((bracket(1, "0", "0", "0.004", "0"),), "is not above floor"),
        ((bracket(2, "0", "50", "0.004", "0"),), "expected bracket number 1"),
    ],
)
def test_inconsistent_tables_are_rejected(brackets: tuple[Bracket, ...], message: str) -> None:
    with pytest.raises(BracketTableError, match=message.replace("[", r"\[").replace(")", r"\)")):
        BracketTable("BTCUSDT", brackets)


def test_notional_beyond_the_last_cap_stays_in_the_last_bracket(market: Market) -> None:
    table = market.brackets["BTCUSDT"]

    assert table.bracket_for(Fraction(10**12)).number == 12
    assert table.max_leverage_at(Fraction(10**12)) == 1
