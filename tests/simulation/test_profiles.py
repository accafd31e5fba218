"""Each venue profile against the worked examples of its own documentation (peers.md §1, 2, 4).

Only what the core can express is checked here (tiers, deductions, fee rates, funds, leverage
caps); partial-liquidation shares, backstop vaults and per-block caps need core changes
(docs/sweep.md). The same crash through every profile ends with a balanced ledger each time.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from liquidator.bootstrap import bundled_market
from liquidator.core.margin.unit import IntTiers, trigger_price
from liquidator.core.money.fixed import SCALE
from liquidator.simulation.replay import Replay
from liquidator.simulation.sweep import grid
from liquidator.simulation.sweep.profiles import BYBIT, DYDX_V4, HYPERLIQUID, PROFILES, profile
from liquidator.simulation.sweep.run import replay_config
from liquidator.simulation.sweep.sources import window
from tests.conftest import SHARED

USDT = SCALE


def bracket_of(profile_name: str, symbol: str, notional_usdt: int) -> tuple[Fraction, int, int]:
    """Return (maintenance rate, leverage, deduction in USDT) of the tier holding a notional."""
    table = profile(profile_name).market(bundled_market()).bracket_table(symbol)
    assert table is not None
    bracket = table.bracket_for(Fraction(notional_usdt))
    return (
        bracket.maintenance_margin_rate.fraction,
        bracket.initial_leverage,
        bracket.maintenance_amount.raw // USDT,
    )


def test_hyperliquid_maintenance_is_half_the_initial_margin_at_max_leverage() -> None:
    # "MM = ½ of the initial margin at max leverage": BTC 40x up to $150M, then 20x
    assert bracket_of("hyperliquid", "BTCUSDT", 1_000_000) == (Fraction(125, 10_000), 40, 0)
    # deduction_n = deduction_(n-1) + lower_bound_n × (mmr_n - mmr_(n-1)) = 150M × 1.25%
    assert bracket_of("hyperliquid", "BTCUSDT", 200_000_000) == (Fraction(25, 1000), 20, 1_875_000)
    # ETH 25x (MM 2%) up to $100M, then 15x (MM 1/30, rounded up to 10^-8)
    assert bracket_of("hyperliquid", "ETHUSDT", 1_000_000) == (Fraction(2, 100), 25, 0)
    rate, leverage, _ = bracket_of("hyperliquid", "ETHUSDT", 150_000_000)
    assert (leverage, rate) == (15, Fraction(3_333_334, 10**8))


def test_hyperliquid_liquidation_price_is_its_documented_formula() -> None:
    # liq = price - side × margin_available / size / (1 - l × side), l = 1 / maintenance
    # leverage (BTC: 80): an isolated 2 BTC long from 60,000 at 40x with 3,000 USDT of margin
    entry, size, margin = Fraction(60_000), Fraction(2), Fraction(3_000)
    rate = Fraction(1, 80)
    available = margin - rate * size * entry
    documented = entry - available / size / (1 - rate)
    table = HYPERLIQUID.market(bundled_market()).bracket_table("BTCUSDT")
    assert table is not None

    ours = trigger_price(3_000 * USDT, 2 * USDT, 120_000 * USDT * USDT, IntTiers(table))

    assert abs(Fraction(ours, USDT) - documented) <= Fraction(1, 100)  # within a tick


def test_dydx_large_cap_maintenance_is_imf_times_the_maintenance_fraction() -> None:
    # Large-Cap: IMF 2% × maintenance fraction 0.6 = 1.2%, no position-size tiers
    assert bracket_of("dydx", "BTCUSDT", 1_000) == (Fraction(12, 1000), 50, 0)
    assert bracket_of("dydx", "BTCUSDT", 500_000_000) == (Fraction(12, 1000), 50, 0)
    # max_liquidation_fee_ppm 15,000: the user pays min(1.5% × quote, leftover) to the fund
    market = DYDX_V4.market(bundled_market())
    assert {i.liquidation_fee_rate.fraction for i in market.instruments.values()} == {
        Fraction(15, 1000)
    }


def test_bybit_risk_limit_tiers_are_its_announcements_example() -> None:
    # "at 4,000,000 position value the maintenance margin rate is 1% and the initial 1.75%"
    # (57.14x); level 1 holds up to 2,000,000 USDT at 100x with the 0.5% base rate
    assert bracket_of("bybit", "BTCUSDT", 1_000_000)[:2] == (Fraction(5, 1000), 100)
    # (a risk limit includes its cap; the core's bracket starts at its floor: 3,999,999 here)
    rate, leverage, deduction = bracket_of("bybit", "BTCUSDT", 3_999_999)
    assert (rate, leverage) == (Fraction(1, 100), 57)
    assert deduction == 2_000_000 * 5 // 1000  # mmDeduction: continuous at the tier's floor
    assert bracket_of("bybit", "ETHUSDT", 100_000)[0] == Fraction(1, 100)  # ETH's 1% base
    # the margin left above the bankruptcy price goes to the fund (a clearance fee of 100%,
    # which the core caps at the margin left)
    market = BYBIT.market(bundled_market())
    assert market.instruments["BTCUSDT"].liquidation_fee_rate.fraction == 1


def test_binance_profile_is_the_bundled_market() -> None:
    market = profile("binance").market(bundled_market())

    assert market == bundled_market()


def test_an_unknown_profile_is_one_line_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown venue profile 'okx' \\(known: binance, "):
        profile("okx")


@pytest.fixture(scope="module")
def same_crash() -> dict[str, Replay]:
    data = SHARED / "data" / "binance-crash"
    plan = grid.parse(
        {
            "data": str(data),
            "windows": ["2022-11-08"],
            "minutes": 90,
            "profiles": list(PROFILES),
            "population": {"traders": 150, "model": "static"},  # the same people each time
        },
        Path("."),
    )
    source = window(data, "2022-11-08", minutes=90)
    replays = {}
    for spec in plan.runs:
        replay = Replay(profile(spec.profile).market(bundled_market()), replay_config(spec))
        replay.run(iter(source.ticks), list(source.symbols), source.funding)
        replays[spec.profile] = replay
    return replays


def test_the_same_crash_through_every_profile_follows_each_ones_fee_rule(
    same_crash: dict[str, Replay],
) -> None:
    for name, replay in same_crash.items():
        totals = replay.engine.venue.ledger.totals()
        assert all(total == 0 for total in totals.values()), (name, totals)
        assert replay.result.liquidations, name
    assert all(item.fee == 0 for item in same_crash["hyperliquid"].result.liquidations)
    for item in same_crash["dydx"].result.liquidations:
        assert item.fee <= -(-item.notional * 15 // 1000)
    assert sum(i.fee for i in same_crash["bybit"].result.liquidations) >= sum(
        i.fee for i in same_crash["binance"].result.liquidations
    )
    hyperliquid = same_crash["hyperliquid"].result.traders
    assert max(t.leverage for t in hyperliquid if t.symbol == "BTCUSDT") <= 40
