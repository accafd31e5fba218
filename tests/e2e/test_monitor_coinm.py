"""``liquidator monitor --market coinm`` against a live ``liquidator serve``, in real processes.

A BTCUSD_PERP (inverse, 100 USD a contract, margined in BTC) position opened with
binance-futures-connector's ``CMFutures`` (signed ``/dapi`` orders), the monitor attached to the
COIN-M API and the dstream paths, the mark moved toward liquidation through the admin API: the
margin-ratio alert reaches a local webhook before the liquidation alert, and the monitor's
liquidation price is the server's ``/dapi/v1/positionRisk`` one.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from binance.cm_futures import CMFutures

from tests.e2e.conftest import LiveServer, free_port
from tests.e2e.test_monitor import (
    LIQUIDATOR,
    Monitor,
    Webhook,
    admin,
    eventually,
    is_position,
    move_mark,
    serve,
    stop,
)

SYMBOL = "BTCUSD_PERP"
RAW = Decimal("0.00000001")

CoinExchange = tuple[LiveServer, dict[str, str], CMFutures]


@pytest.fixture
def coin_exchange(tmp_path: Path) -> Iterator[CoinExchange]:
    """A live server, and a trader with 1 BTC of COIN-M margin and a key, as a client sees it."""
    server = serve(tmp_path / "exchange.sqlite", free_port())
    try:
        key = admin(server, "/admin/keys", account="trader")
        admin(server, "/admin/deposit", account="trader", amount="1", asset="BTC")
        yield server, key, CMFutures(key["apiKey"], key["secretKey"], base_url=server.url)
    finally:
        if server.process.poll() is None:
            stop(server)


def served_row(client: CMFutures) -> dict[str, Any]:
    rows: list[dict[str, Any]] = client.get_position_risk()
    (row,) = [r for r in rows if r["symbol"] == SYMBOL]
    return row


def assert_same_price(ours: str, served: str, contracts: Decimal) -> None:
    """Ours is the exact root rounded up to 10**-8; the server's is the last mark its integer
    check (in raw units of 10**-8 BTC) finds breached, at most three such units above it: one
    unit is ``P**2 / (|q| x 100) x 10**-8`` USD of mark near P (docs/api.md, COIN-M)."""
    price, theirs = Decimal(ours), Decimal(served)
    unit = price**2 / (contracts * 100) * RAW
    assert price - RAW <= theirs <= price + 3 * unit, (ours, served, unit)


def what_if(server: LiveServer, key: dict[str, str], change: str) -> dict[str, Any]:
    """Run ``monitor --market coinm --what-if CHANGE --json``; return its object."""
    env = os.environ | {"BINANCE_API_KEY": key["apiKey"], "BINANCE_API_SECRET": key["secretKey"]}
    result = subprocess.run(
        [str(LIQUIDATOR), "monitor", "--market", "coinm", "--base-url", server.url, "--what-if",
         change, "--json"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body: dict[str, Any] = json.loads(result.stdout)
    return body


def test_monitor_follows_a_coinm_long_to_its_liquidation_with_the_server_s_prices(
    coin_exchange: CoinExchange,
) -> None:
    server, key, client = coin_exchange
    client.change_margin_type(symbol=SYMBOL, marginType="ISOLATED")
    client.change_leverage(symbol=SYMBOL, leverage=20)
    client.new_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity=100)
    row = served_row(client)
    webhook = Webhook()
    monitor = Monitor(
        server, key, "--market", "coinm", "--alert-margin-ratio", "50", "--webhook", webhook.url
    )
    try:
        line = monitor.wait(is_position(SYMBOL))
        assert line["positionAmt"] == "100.00000000"
        assert line["marginType"] == "isolated"
        assert line["isolatedWallet"] == f"{Decimal(row['isolatedWallet']):.8f}"
        assert line["binanceLiquidationPrice"] == f"{Decimal(row['liquidationPrice']):.8f}"
        assert line["liquidationPriceDiffers"] is False
        assert_same_price(line["liquidationPrice"], row["liquidationPrice"], Decimal(100))
        liquidation, entry = Decimal(line["liquidationPrice"]), Decimal(row["entryPrice"])
        assert Decimal(line["bankruptcyPrice"]) < liquidation < entry
        assert line["adl"] in (0, 1, 2, 3, 4, 5)
        assert line["nextFundingTime"] > 0
        (what,) = what_if(server, key, "add-margin=0.005,stop=58000")["positions"]
        assert what["before"]["liquidationPrice"] == line["liquidationPrice"]
        added = Decimal(what["after"]["isolatedWallet"]) - Decimal(row["isolatedWallet"])
        assert added == Decimal("0.005")
        assert Decimal(what["after"]["liquidationPrice"]) < liquidation  # more margin, more room
        # a stop at 58000 (filled 0.5% worse) loses 10,000 x (1/entry - 1/fill) BTC
        fill = Decimal(what["stop"]["fillPrice"])
        expected = 10_000 * (1 / entry - 1 / fill)
        assert abs(Decimal(what["stop"]["pnlAtStop"]) - expected) < RAW * 2

        near = (liquidation + (entry - liquidation) * Decimal("0.05")).quantize(Decimal("0.1"))
        move_mark(server, SYMBOL, str(near))  # margin ratio above 50%, not yet liquidated
        moved = monitor.wait(is_position(SYMBOL, markPrice=f"{near:.8f}"))
        served = served_row(client)["liquidationPrice"]
        assert_same_price(moved["liquidationPrice"], served, Decimal(100))
        alert = monitor.wait(lambda seen: seen.get("alert") == "MARGIN_RATIO")
        assert alert["symbol"] == SYMBOL
        assert Decimal(alert["marginRatio"]) > Decimal("0.5")
        eventually(lambda: bool(webhook.received))
        assert webhook.kinds() == ["MARGIN_RATIO"]

        move_mark(server, SYMBOL, str((liquidation - 50).quantize(Decimal("0.1"))))
        liquidated = monitor.wait(lambda seen: seen.get("alert") == "LIQUIDATION")
        assert liquidated["symbol"] == SYMBOL
        assert liquidated["executedQty"] == "100.00000000"
        monitor.wait(is_position(SYMBOL, positionAmt="0"))
        eventually(lambda: "LIQUIDATION" in webhook.kinds())
        assert webhook.kinds()[0] == "MARGIN_RATIO"
        assert Decimal(served_row(client)["positionAmt"]) == 0
    finally:
        monitor.close()
        webhook.server.shutdown()
        webhook.server.server_close()


def test_a_wrong_key_on_the_coinm_api_is_one_line_and_exit_status_2(
    coin_exchange: CoinExchange,
) -> None:
    server, key, _ = coin_exchange
    env = os.environ | {"BINANCE_API_KEY": key["apiKey"], "BINANCE_API_SECRET": "not-the-secret"}

    result = subprocess.run(
        [str(LIQUIDATOR), "monitor", "--market", "coinm", "--base-url", server.url],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("liquidator: error: the exchange refused the request:")
    assert "not-the-secret" not in result.stderr


def test_the_coinm_dashboard_shows_the_position_and_its_mark_klines(
    coin_exchange: CoinExchange,
) -> None:
    server, key, client = coin_exchange
    client.new_order(symbol=SYMBOL, side="SELL", type="MARKET", quantity=50)
    port = free_port()
    monitor = Monitor(server, key, "--market", "coinm", "--web", "--web-address", f"{port}")
    try:
        line = monitor.wait(is_position(SYMBOL))
        page = f"http://127.0.0.1:{port}"
        eventually(lambda: bool(get(page + "/monitor/v1/state").get("positions")))
        (shown,) = get(page + "/monitor/v1/state")["positions"]
        assert (shown["symbol"], shown["positionAmt"]) == (SYMBOL, "-50.00000000")
        assert shown["liquidationPrice"] == line["liquidationPrice"]
        assert shown["marginAsset"] == "BTC"
        answer = get(page + f"/monitor/v1/klines?symbol={SYMBOL}")
        assert "msg" not in answer, answer["msg"]
        bars = answer["klines"]
        assert bars, "no mark klines from /dapi/v1/markPriceKlines"
        assert Decimal(str(bars[-1][4])) > 0
    finally:
        monitor.close()


def test_the_coinm_monitor_opens_a_new_listen_key_when_its_key_is_closed(
    coin_exchange: CoinExchange,
) -> None:
    server, key, client = coin_exchange
    client.new_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity=10)
    monitor = Monitor(server, key, "--market", "coinm", "--keepalive", "1", "--refresh", "600")
    try:
        monitor.wait(is_position(SYMBOL))
        shared = client.new_listen_key()["listenKey"]  # one key per account: the monitor's
        client.close_listen_key(shared)
        monitor.wait_status("the listen key expired or was closed")
        monitor.wait_status("reconnected; resynchronised from REST")
        client.new_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity=10)
        line = monitor.wait(is_position(SYMBOL, positionAmt="20.00000000"))
        assert line["marginType"] == "cross"
    finally:
        monitor.close()


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def test_a_coinm_cross_short_s_figures_are_the_server_s_and_its_rally_is_alerted(
    coin_exchange: CoinExchange,
) -> None:
    server, key, client = coin_exchange
    admin(server, "/admin/withdraw", account="trader", amount="0.9", asset="BTC")
    client.change_leverage(symbol=SYMBOL, leverage=20)
    client.new_order(symbol=SYMBOL, side="SELL", type="MARKET", quantity=300)
    row = served_row(client)
    (btc,) = [a for a in client.account()["assets"] if a["asset"] == "BTC"]
    monitor = Monitor(server, key, "--market", "coinm", "--alert-distance", "2")
    try:
        line = monitor.wait(is_position(SYMBOL))
        assert (line["marginType"], line["positionAmt"]) == ("cross", "-300.00000000")
        assert line["binanceLiquidationPrice"] == f"{Decimal(row['liquidationPrice']):.8f}"
        assert line["liquidationPriceDiffers"] is False
        liquidation = Decimal(line["liquidationPrice"])
        assert Decimal(row["entryPrice"]) < liquidation < Decimal(line["bankruptcyPrice"])
        served = Decimal(row["liquidationPrice"])
        unit = liquidation**2 / (300 * 100) * RAW  # a short's served price is at or below ours
        assert liquidation - 3 * unit <= served <= liquidation + RAW, (liquidation, served)
        ratio = Decimal(btc["maintMargin"]) / Decimal(btc["marginBalance"])
        assert abs(Decimal(line["marginRatio"]) - ratio) < Decimal("0.0001")

        near = (liquidation * Decimal("0.99")).quantize(Decimal("0.1"))  # 1% below: alert at 2%
        move_mark(server, SYMBOL, str(near))
        alert = monitor.wait(lambda seen: seen.get("alert") == "LIQUIDATION_DISTANCE")
        assert alert["symbol"] == SYMBOL
        assert Decimal(alert["liquidationDistance"]) <= Decimal("0.02")
    finally:
        monitor.close()
