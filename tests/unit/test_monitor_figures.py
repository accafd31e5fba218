"""The monitor's figures: the core's margin maths on the live book, as ``liquidator risk``."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from liquidator.adapters.binance.account_file import parse_account
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import Funding, MarkMoved, PositionChanged
from liquidator.app.monitor.figures import PositionLine, position_lines, reported_differences
from liquidator.app.monitor.volatility import daily_sigma, sigma_distance
from liquidator.bootstrap import bundled_market
from liquidator.cli.monitor_view import line_json
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Price, Qty
from tests.monitor_builders import NOW_MS, risk_row, snapshot


def lines_of(book: AccountBook) -> dict[str, PositionLine]:
    return {line.key[0]: line for line in position_lines(book, {}, {})}


def test_figures_are_those_liquidator_risk_gives_for_the_same_account() -> None:
    rows = [
        risk_row("BTCUSDT", "0.5", "60000", "59000", "isolated", "3000", "10"),
        risk_row("ETHUSDT", "-4", "3000", "3100", "cross", leverage="10"),
    ]
    expected = assess_account(
        parse_account({"crossWalletBalance": "2000", "positions": rows}, bundled_market()),
        bundled_market().brackets,
    )

    lines = lines_of(AccountBook(snapshot(rows, cross_wallet="2000")))

    for risk in expected.positions:
        line = lines[risk.position.symbol]
        assert line.liquidation == risk.liquidation.price
        assert line.risk.bankruptcy == risk.bankruptcy
    assert lines["ETHUSDT"].margin_ratio == expected.margin_ratio
    assert lines["BTCUSDT"].margin_ratio == expected.positions[0].isolated_margin_ratio()


def test_isolated_long_at_20x_is_liquidated_at_binance_s_formula_price() -> None:
    # X1: WB 3000, tier 2 (0.5%, cum 50): LP = (3000 + 50 - 60000) / (0.005 - 1)
    line = lines_of(AccountBook(snapshot([risk_row()])))["BTCUSDT"]

    assert line.liquidation == Price.of("57236.18090453")
    assert line.risk.bankruptcy is not None
    assert line.risk.bankruptcy.price == Price.of("57000")


def test_a_cross_position_s_liquidation_price_follows_the_other_symbol_s_mark() -> None:
    rows = [
        risk_row("BTCUSDT", "0.5", "60000", margin_type="cross", leverage="10"),
        risk_row("ETHUSDT", "5", "3000", margin_type="cross", leverage="10"),
    ]
    book = AccountBook(snapshot(rows, cross_wallet="5000"))
    before = lines_of(book)["BTCUSDT"].liquidation

    moved = book.move_mark(MarkMoved("ETHUSDT", Price.of("2800"), Funding(None, 0), NOW_MS + 1))

    after = lines_of(book)["BTCUSDT"].liquidation
    assert moved
    assert before is not None
    assert after is not None
    # ETH loses 1000 and needs 4 less maintenance: 996 less cushion for 0.5 BTC at tier 1
    # (0.4%): 996 / (0.5 * (1 - 0.004)) = 2000 higher
    assert after.raw - before.raw == Price.of("2000").raw


def test_binance_s_price_is_flagged_only_when_more_than_a_tick_from_ours() -> None:
    close = risk_row(liquidation="57236.18")  # 0.0009 away: within BTCUSDT's tick of 0.1
    far = risk_row("ETHUSDT", "-1", "3000", wallet="300", leverage="10", liquidation="3200")

    differs = reported_differences(snapshot([close, far]))

    assert differs == {
        ("BTCUSDT", PositionSide.BOTH): False,
        ("ETHUSDT", PositionSide.BOTH): True,
    }


def test_a_one_way_position_reads_the_adl_quantile_of_its_direction() -> None:
    adl = [{"symbol": "BTCUSDT", "adlQuantile": {"LONG": 0, "SHORT": 3, "BOTH": 3}}]
    rows = [risk_row("BTCUSDT", "-1", leverage="20")]

    line = lines_of(AccountBook(snapshot(rows, adl=adl)))["BTCUSDT"]

    assert line.adl == 3


def test_the_book_applies_position_updates_and_closes() -> None:
    book = AccountBook(snapshot([risk_row()]))
    key = ("BTCUSDT", PositionSide.BOTH)

    grown = book.change_position(
        PositionChanged(
            "BTCUSDT", PositionSide.BOTH, Qty.of("2"), Price.of("60000"),
            MarginType.ISOLATED, Decimal("6000"), NOW_MS + 1,
        )
    )  # fmt: skip
    assert grown
    assert book.positions[key].quantity == Qty.of("2")
    # (6000 + 50 - 120000) / (2 * 0.005 - 2), rounded up (a long's trigger)
    assert lines_of(book)["BTCUSDT"].liquidation == Price.of("57261.30653267")

    closed = book.change_position(
        PositionChanged(
            "BTCUSDT", PositionSide.BOTH, Qty.of("0"), Price.of("0"),
            MarginType.ISOLATED, None, NOW_MS + 2,
        )
    )  # fmt: skip
    assert closed
    assert key not in book.positions


def test_a_position_on_a_symbol_the_book_does_not_know_asks_for_a_resync() -> None:
    book = AccountBook(snapshot([risk_row()]))

    known = book.change_position(
        PositionChanged(
            "ETHUSDT", PositionSide.BOTH, Qty.of("1"), Price.of("3000"),
            MarginType.CROSS, None, NOW_MS + 1,
        )
    )  # fmt: skip

    assert not known


def test_daily_sigma_of_alternating_one_percent_moves() -> None:
    closes = [Decimal("100"), Decimal("101")] * 50

    sigma = daily_sigma(closes)

    assert sigma is not None
    per_minute = math.log(1.01)  # |r| each minute, alternating sign: stdev ~ |r|
    assert sigma == pytest.approx(per_minute * math.sqrt(1440), rel=0.02)
    assert sigma_distance(Decimal("100"), Decimal("90"), sigma) == pytest.approx(
        math.log(100 / 90) / sigma
    )


def test_a_flat_series_gives_no_distance_in_sigmas() -> None:
    sigma = daily_sigma([Decimal("60000")] * 10)

    assert sigma == 0.0
    assert sigma_distance(Decimal("60000"), Decimal("57000"), sigma) is None
    assert daily_sigma([Decimal("1")]) is None


def test_binance_s_break_even_price_is_shown_from_rest_then_from_the_stream() -> None:
    row = risk_row("BTCUSDT", "0.5", "60000", margin_type="cross", leverage="10")
    book = AccountBook(snapshot([row | {"breakEvenPrice": "60024.0096"}], cross_wallet="5000"))
    before = line_json(lines_of(book)["BTCUSDT"], "24h")["breakEvenPrice"]

    book.change_position(
        PositionChanged("BTCUSDT", PositionSide.BOTH, Qty.of("1"), Price.of("60500"),
                        MarginType.CROSS, None, NOW_MS, Price.of("60548.2"))
    )  # fmt: skip

    assert before == "60024.00960000"
    assert line_json(lines_of(book)["BTCUSDT"], "24h")["breakEvenPrice"] == "60548.20000000"
