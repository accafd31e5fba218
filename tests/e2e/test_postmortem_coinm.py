"""``liquidator postmortem --market coinm`` against a live ``liquidator serve``, in real processes.

A trader opens a BTCUSD_PERP position (inverse: 100 USD a contract, margined in BTC) through
signed ``/dapi`` orders (binance-futures-connector's ``CMFutures``), the admin API moves the mark
past its liquidation price and the exchange liquidates it. The post-mortem from the COIN-M API
alone splits the loss, in BTC and to the last 10**-8, exactly as the journal's own ``explain``
and as the account's income rows (the ledger).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.postmortem_venue import (
    COIN,
    Venue,
    coin_cross_short,
    coin_hedge_pair,
    coin_isolated_long,
    explained,
    json_of,
    liquidator,
    only,
    raw,
)


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    live = Venue(tmp_path / "exchange.sqlite")
    try:
        yield live
    finally:
        live.close()


def coin_postmortem(venue: Venue, account: str, *argv: str) -> dict[str, Any]:
    return json_of(venue.postmortem(account, "--market", "coinm", "--json", *argv))


def test_coinm_postmortem_from_the_api_splits_the_loss_in_btc_as_the_journal_and_the_ledger(
    venue: Venue, tmp_path: Path
) -> None:
    coin_isolated_long(venue)

    api = only(coin_postmortem(venue, "coiner"))
    journal = only(explained(venue, "coiner"))
    page = tmp_path / "postmortem.html"
    told = venue.postmortem("coiner", "--market", "coinm", "--html", str(page))

    assert api["loss"] == journal["loss"]
    assert api["loss"]["asset"] == "BTC"
    assert raw(api["loss"]["total"]) == venue.coin_income_total("coiner")
    for name in ("symbol", "time", "orderId", "liquidationPrice", "bankruptcyPrice", "entryPrice"):
        assert api[name] == journal[name], name
    assert api["symbol"] == COIN
    assert api["positionAmt"] == "100"
    assert api["marginType"] == "isolated"
    assert api["walletSource"] == "10x isolated, rebuilt from the fills"
    liquidation, bankruptcy = Decimal(api["liquidationPrice"]), Decimal(api["bankruptcyPrice"])
    assert bankruptcy < liquidation < Decimal(api["entryPrice"])
    assert Decimal(api["executedPrice"]) >= Decimal(api["orders"][0]["price"])
    assert api["consistent"] is True, api["differences"]
    assert journal["consistent"] is True
    # 10,000 USD of contracts at about 60,000: 1/6 BTC notional, 1/60 BTC margin at 10x
    assert Decimal("-0.0175") < Decimal(api["loss"]["total"]) < Decimal("-0.016")
    assert told.returncode == 0, told.stderr
    assert "Where the margin went (BTC):" in told.stdout
    assert f"isolated wallet {api['wallet']} BTC" in told.stdout
    assert "contracts BTCUSD_PERP" in told.stdout  # the rebuild plan's size
    assert "liquidator plan" not in told.stdout  # plan sizes USDⓈ-M contracts only
    assert COIN in page.read_text()


def utc(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def write_exports(venue: Venue, account: str, folder: Path) -> list[Path]:
    """Write the account's COIN-M trade, order and transaction history as Binance's website
    exports them (newest first; quantities in contracts, amounts and fees in the coin)."""
    client = venue.coin_client(account)
    trades = client.get_account_trades(symbol=COIN, startTime=0)
    orders = client.get_all_orders(symbol=COIN, startTime=0)
    income = client.get_income_history(startTime=0, limit=1000)
    tables = {
        "trade_history.csv": (
            ["Date(UTC)", "Symbol", "Side", "Price", "Quantity(Cont)", "Amount(BTC)", "Fee",
             "Fee Coin", "Realized Profit"],
            [[utc(t["time"]), t["symbol"], t["side"], t["price"], t["qty"], t["baseQty"],
              t["commission"], t["commissionAsset"], t["realizedPnl"]] for t in trades],
        ),
        "order_history.csv": (
            ["Date(UTC)", "Order ID", "Symbol", "Type", "Side", "Price", "Avg Price",
             "Amount(Cont)", "Executed(Cont)", "Status"],
            [[utc(o["time"]), o["orderId"], o["symbol"],
              "LIQUIDATION" if o["clientOrderId"].startswith("autoclose-") else o["type"],
              o["side"], o["price"], o["avgPrice"], o["origQty"], o["executedQty"], o["status"]]
             for o in orders],
        ),
        "transaction_history.csv": (
            ["Date(UTC)", "type", "Amount", "Asset", "Symbol", "Transaction ID"],
            [[utc(i["time"]), i["incomeType"], i["income"], i["asset"], i["symbol"], i["tranId"]]
             for i in income],
        ),
    }  # fmt: skip
    paths = []
    for name, (header, rows) in tables.items():
        path = folder / name
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows(reversed(rows))
        paths.append(path)
    return paths


def test_coinm_postmortem_of_binance_csv_exports_is_the_report_of_the_api(
    venue: Venue, tmp_path: Path
) -> None:
    coin_isolated_long(venue)
    files = write_exports(venue, "coiner", tmp_path)

    api = coin_postmortem(venue, "coiner")
    exports = json_of(
        liquidator("postmortem", "--csv", *map(str, files), "--market", "coinm", "--base-url",
                   venue.live.url, "--json")
    )  # fmt: skip

    assert exports["liquidations"] == api["liquidations"]
    assert exports["asset"] == "BTC"


def test_coinm_cross_short_is_split_as_the_journal_and_the_ledger(venue: Venue) -> None:
    coin_cross_short(venue)

    api = only(coin_postmortem(venue, "coinshort"))
    journal = only(explained(venue, "coinshort"))

    assert api["loss"] == journal["loss"]
    assert raw(api["loss"]["total"]) == venue.coin_income_total("coinshort")
    assert api["marginType"] == "cross"
    assert api["side"] == "SHORT"
    assert Decimal(api["entryPrice"]) < Decimal(api["liquidationPrice"])
    assert Decimal(api["liquidationPrice"]) < Decimal(api["bankruptcyPrice"])
    for name in ("liquidationPrice", "bankruptcyPrice"):
        assert api[name] == journal[name], name
    assert api["consistent"] is True, api["differences"]


def test_a_coinm_hedge_pair_is_told_as_one_unit(venue: Venue) -> None:
    coin_hedge_pair(venue)

    api = only(coin_postmortem(venue, "coinhedger"))
    journal = only(explained(venue, "coinhedger"))

    assert api["loss"] == journal["loss"]
    assert raw(api["loss"]["total"]) == venue.coin_income_total("coinhedger")
    assert {o["positionSide"] for o in api["orders"]} == {"LONG", "SHORT"}
    assert api["marginType"] == "cross"
    assert api["liquidationPrice"] == journal["liquidationPrice"]


def test_coinm_bad_input_is_one_line_and_status_2(venue: Venue) -> None:
    coin_isolated_long(venue)

    results = [
        venue.postmortem("coiner", "--market", "coin-m"),
        venue.postmortem("coiner", "--market", "coinm", "--symbol", "ETHUSD_PERP"),
        venue.postmortem("coiner"),  # the USDⓈ-M side of the account has no liquidation
        venue.postmortem("coiner", "--market", "coinm", "--to", "2024-01-01T00:30:00"),
    ]

    for number, result in enumerate(results):
        assert result.returncode == 2, (number, result.stdout[-500:], result.stderr)
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert "'coin-m' is not usdm or coinm" in results[0].stderr
    assert "Invalid symbol" in results[1].stderr  # not a contract of the COIN-M API: -1121
    assert "no liquidation" in results[2].stderr
    assert "no liquidation" in results[3].stderr  # the range ends before it
