"""``liquidator postmortem`` against a live ``liquidator serve``, in real processes.

A trader opens a position through signed orders (binance-futures-connector), the admin API
crashes the mark past its liquidation price, and the exchange liquidates it. Then the
post-mortem from the API alone must split the loss exactly as the journal's own ``explain``
does and as the account's income rows (the ledger) add up; from Binance's CSV exports of the
same story it must give the same report as from the API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.postmortem_venue import (
    Venue,
    cross_two_symbols,
    deleveraged,
    explained,
    hedge_pair,
    isolated_long,
    json_of,
    liquidator,
    only,
    raw,
    thirty_days,
    whale_partial,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "binance_exports"


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    live = Venue(tmp_path / "exchange.sqlite")
    try:
        yield live
    finally:
        live.close()


def test_postmortem_from_the_api_splits_the_loss_as_the_journal_and_the_ledger(
    venue: Venue,
) -> None:
    isolated_long(venue)

    api = only(json_of(venue.postmortem("trader", "--json")))
    journal = only(explained(venue, "trader"))

    assert api["loss"] == journal["loss"]
    assert raw(api["loss"]["total"]) == venue.income_total("trader")
    assert api["loss"]["total"] == "-3015.3015"  # the 3000.3 margin and 15.0015 commission
    assert api["loss"]["commission"] == "-15.0015"
    for name in ("symbol", "time", "orderId", "liquidationPrice", "bankruptcyPrice"):
        assert api[name] == journal[name]
    assert api["liquidationPrice"] == "54222.28915665"  # 10x isolated at 60006, tier 1
    assert api["executedPrice"] == "54114.5"  # the book's bids, above the bankruptcy price
    assert api["loss"]["clearanceFee"] == "-54.55"  # 1.25% of 27057.25, capped at what was left
    assert api["walletSource"] == "10x isolated, rebuilt from the fills"
    assert api["consistent"] is True
    assert journal["consistent"] is True
    assert api["differences"] == []


def test_postmortem_of_binance_csv_exports_is_the_reports_of_the_api(venue: Venue) -> None:
    isolated_long(venue)
    files = [FIXTURES / name for name in ("trade_history.csv", "order_history.csv")]
    files.append(FIXTURES / "transaction_history.csv")

    api = json_of(venue.postmortem("trader", "--json"))
    csv = json_of(
        liquidator("postmortem", "--csv", *map(str, files), "--base-url", venue.live.url, "--json")
    )

    assert csv["liquidations"] == api["liquidations"]


def test_cross_account_tells_the_symbol_that_crashed_and_what_would_have_survived(
    venue: Venue,
) -> None:
    cross_two_symbols(venue)

    api = only(json_of(venue.postmortem("crosser", "--json")))
    journal = only(explained(venue, "crosser"))
    text = venue.postmortem("crosser").stdout

    assert api["loss"] == journal["loss"]
    assert raw(api["loss"]["total"]) == venue.income_total("crosser")
    assert api["marginType"] == "cross"
    assert api["markSymbol"] == "ETHUSDT"
    assert "Mark path (ETHUSDT" in text
    assert "To survive the worst mark seen" in text
    assert api["survive"]["maxLeverage"] >= 1


def test_hedge_mode_pair_is_told_as_one_unit(venue: Venue) -> None:
    hedge_pair(venue)

    api = only(json_of(venue.postmortem("hedger", "--json")))
    journal = only(explained(venue, "hedger"))

    assert api["loss"] == journal["loss"]
    assert raw(api["loss"]["total"]) == venue.income_total("hedger")
    assert {o["positionSide"] for o in api["orders"]} == {"LONG", "SHORT"}


def test_bad_input_is_one_line_and_status_2(venue: Venue, tmp_path: Path) -> None:
    isolated_long(venue)
    venue.trader("calm", "1000")
    wrong = {**venue.env("trader"), "BINANCE_API_SECRET": "not-the-secret"}
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "Date(UTC),Symbol,Side,Price,Quantity,Amount,Fee,Realized Profit\n"
        "2024-01-01 00:00:01,BTCUSDT,BUY,sixty,0.5,30003,15.0015,0\n"
    )

    results = [
        liquidator("postmortem", "--base-url", venue.live.url, "--json", env=wrong),
        venue.postmortem("calm"),
        venue.postmortem("trader", "--symbol", "ETHUSDT"),
        liquidator("postmortem", "--csv", str(broken)),
        liquidator("postmortem", "--csv", str(tmp_path / "absent.csv")),
    ]

    for number, result in enumerate(results):
        assert result.returncode == 2, (number, result.stdout[-500:], result.stderr)
        assert result.stdout == ""
        assert result.stderr.startswith("liquidator: error: ")
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr
    assert "Signature" in results[0].stderr or "-1022" in results[0].stderr
    assert "no liquidation" in results[1].stderr
    assert "no liquidation" in results[2].stderr
    assert "broken.csv row 2" in results[3].stderr
    assert "Price" in results[3].stderr


def test_postmortem_of_a_30_day_history_takes_under_10_seconds(venue: Venue) -> None:
    thirty_days(venue)

    started = time.perf_counter()
    result = venue.postmortem("monthly", "--json")
    seconds = time.perf_counter() - started

    report = only(json_of(result))
    print(f"postmortem of 30 days: {seconds:.2f} s")  # noqa: T201
    assert seconds < 10
    assert report["walletSource"] == "10x isolated, rebuilt from the fills"
    assert raw(report["loss"]["total"]) == venue.income_total("monthly")
    assert report["loss"]["funding"] != "0"  # 90 funding settlements while it was open


def test_partial_liquidation_steps_are_told_and_split_as_the_journal(venue: Venue) -> None:
    whale_partial(venue)

    api = only(json_of(venue.postmortem("whale", "--json")))
    journal = only(explained(venue, "whale"))
    text = venue.postmortem("whale").stdout

    assert api["loss"] == journal["loss"]
    assert raw(api["loss"]["total"]) == venue.income_total("whale")
    partial = [o for o in api["orders"] if o["partial"]]
    assert partial  # bracket 5 (2%) above the 1.25% fee: steps into the bids first
    assert all(o["executedQty"] == o["origQty"] for o in api["orders"])
    assert "(partial): SELL" in text
    assert api["consistent"] is True


@pytest.fixture
def bare_venue(tmp_path: Path) -> Iterator[Venue]:
    """A server without the built-in market maker: nobody bids into a crash."""
    live = Venue(tmp_path / "bare.sqlite", "--no-market-maker")
    try:
        yield live
    finally:
        live.close()


def test_an_adl_d_counterparty_and_the_liquidated_trader(bare_venue: Venue) -> None:
    venue = bare_venue
    deleveraged(venue)

    liquidated = only(json_of(venue.postmortem("longy", "--json")))
    journal = only(explained(venue, "longy"))
    counterparty = json_of(venue.postmortem("shorty", "--json"))
    told = liquidator("explain", str(venue.database), "--account", "longy").stdout

    assert liquidated["loss"] == journal["loss"]
    assert liquidated["executedPrice"] == liquidated["orders"][0]["price"]  # fund and ADL: at BP
    assert counterparty["liquidations"] == []
    (adl,) = counterparty["adl"]
    assert adl["autoCloseType"] == "ADL"
    assert adl["price"] == liquidated["orders"][0]["price"]
    assert raw(adl["realizedPnl"]) > 0  # the short closed in profit, at the long's bankruptcy
    assert "ADL: shorty BUY" in told
    assert "insurance fund took over" in told
