"""``liquidator monitor`` in the issue's other stories, against a live ``liquidator serve``.

An ADL'd counterparty: with nobody bidding, a 30 BTC long is liquidated into the insurance fund
and auto-deleveraging; the short across gets the ``ADL`` alert on its monitor while the long's
monitor gets ``LIQUIDATION``. A partial liquidation: a 220 BTC whale in bracket 5 is cut in steps
into the book before the full close; its monitor tells each step, each when its order ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from binance.um_futures import UMFutures

from tests.e2e.conftest import LiveServer, start_server
from tests.e2e.test_monitor import Monitor, admin, is_position, move_mark

BTC = "BTCUSDT"


class Exchange:
    """A live server (no price walk, marks from the admin API) and its traders."""

    def __init__(self, database: Path, *extra: str) -> None:
        self.server: LiveServer = start_server(database, *extra)
        self.keys: dict[str, dict[str, str]] = {}

    def trader(self, account: str, deposit: str) -> UMFutures:
        self.keys[account] = admin(self.server, "/admin/keys", account=account)
        admin(self.server, "/admin/deposit", account=account, amount=deposit)
        key = self.keys[account]
        return UMFutures(key["apiKey"], key["secretKey"], base_url=self.server.url)

    def monitor(self, account: str) -> Monitor:
        return Monitor(self.server, self.keys[account], "--refresh", "5")

    def close(self) -> None:
        process = self.server.process
        process.terminate()
        process.wait(timeout=15)
        if process.stderr is not None:
            process.stderr.close()


def exchange_at(path: Path, *extra: str) -> Iterator[Exchange]:
    live = Exchange(path, *extra)
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Exchange]:
    """Without the built-in market maker: nobody bids into a crash."""
    yield from exchange_at(tmp_path / "bare.sqlite", "--no-market-maker")


@pytest.fixture
def market(tmp_path: Path) -> Iterator[Exchange]:
    yield from exchange_at(tmp_path / "market.sqlite")


def is_alert(kind: str) -> Any:
    return lambda line: line.get("alert") == kind


def test_an_adl_d_counterparty_gets_the_adl_alert_and_the_liquidated_long_its_own(
    bare: Exchange,
) -> None:
    move_mark(bare.server, BTC, "60000")
    longy, shorty = bare.trader("longy", "400000"), bare.trader("shorty", "2000000")
    longy.change_leverage(symbol=BTC, leverage=10)
    longy.change_margin_type(symbol=BTC, marginType="ISOLATED")
    limit = {"symbol": BTC, "type": "LIMIT", "timeInForce": "GTC", "quantity": "30"}
    shorty.new_order(side="SELL", price="60000", **limit)
    longy.new_order(side="BUY", price="60000", **limit)
    watched = {name: bare.monitor(name) for name in ("longy", "shorty")}
    try:
        for monitor in watched.values():
            monitor.wait(is_position(BTC))

        move_mark(bare.server, BTC, "52000")  # past the long's liquidation price: no bids

        liquidated = watched["longy"].wait(is_alert("LIQUIDATION"))
        adl = watched["shorty"].wait(is_alert("ADL"))
        assert liquidated["side"] == "SELL"
        assert (adl["symbol"], adl["side"], adl["positionSide"]) == (BTC, "BUY", "BOTH")
        assert Decimal(adl["executedQty"]) > 0
        assert adl["avgPrice"] == liquidated["price"]  # deleveraged at the long's bankruptcy
        assert "auto-deleveraged" in adl["message"]
        left = 30 - Decimal(adl["executedQty"])
        shown = watched["shorty"].wait(is_position(BTC, positionAmt=f"{-left:.8f}"))
        assert Decimal(shown["positionAmt"]) == -left
    finally:
        for monitor in watched.values():
            monitor.close()


def test_a_partial_liquidation_is_told_step_by_step_with_the_position_left(
    market: Exchange,
) -> None:
    move_mark(market.server, BTC, "60000")
    seller, whale = market.trader("seller", "3000000"), market.trader("whale", "1000000")
    bidder = market.trader("bidder", "500000")
    seller.change_leverage(symbol=BTC, leverage=20)
    whale.change_leverage(symbol=BTC, leverage=20)
    whale.change_margin_type(symbol=BTC, marginType="ISOLATED")
    for _ in range(2):  # 220 BTC (13.2M notional): bracket 5, maintenance 2% above the 1.25% fee
        seller.new_order(
            symbol=BTC, side="SELL", type="LIMIT", timeInForce="GTC", quantity="110", price="60000"
        )
        whale.new_order(symbol=BTC, side="BUY", type="MARKET", quantity="110")
    bidder.new_order(
        symbol=BTC, side="BUY", type="LIMIT", timeInForce="GTC", quantity="30", price="57300"
    )
    monitor = market.monitor("whale")
    try:
        first = monitor.wait(is_position(BTC, positionAmt="220.00000000"))
        liquidation = Decimal(first["liquidationPrice"])
        price = Decimal(60000)
        while price > liquidation - 200:  # a slow fall, 0.05% a step
            price = (price * Decimal("0.9995")).quantize(Decimal("0.1"))
            move_mark(market.server, BTC, str(price))
        step = monitor.wait(is_alert("LIQUIDATION"), seconds=60)
        rest = monitor.wait(is_alert("LIQUIDATION"))
        closed = monitor.wait(is_position(BTC, positionAmt="0"))
        assert Decimal(step["origQty"]) < 220  # a step first: part of the position
        assert {step["status"], rest["status"]} <= {"FILLED", "EXPIRED"}  # told once ended
        assert Decimal(step["executedQty"]) > 0
        assert rest["orderId"] != step["orderId"]
        if step["status"] == rest["status"] == "FILLED":  # the book took it all
            assert Decimal(step["executedQty"]) + Decimal(rest["executedQty"]) == 220
        assert closed["positionAmt"] == "0"
    finally:
        monitor.close()


def test_a_hedge_mode_cross_pair_shares_one_liquidation_price_and_is_liquidated_there(
    market: Exchange,
) -> None:
    move_mark(market.server, BTC, "60000")
    hedger = market.trader("hedger", "5000")
    hedger.change_position_mode(dualSidePosition="true")
    hedger.change_leverage(symbol=BTC, leverage=20)
    hedger.new_order(symbol=BTC, side="BUY", positionSide="LONG", type="MARKET", quantity="1")
    hedger.new_order(symbol=BTC, side="SELL", positionSide="SHORT", type="MARKET", quantity="0.4")
    monitor = market.monitor("hedger")
    try:
        long = monitor.wait(is_position(BTC, positionSide="LONG"))
        short = monitor.wait(is_position(BTC, positionSide="SHORT"))
        assert long["marginType"] == short["marginType"] == "cross"
        shared = Decimal(long["liquidationPrice"])
        assert long["liquidationPrice"] == short["liquidationPrice"]  # one price for the pair
        assert long["marginRatio"] == short["marginRatio"]  # the cross account's
        assert 0 < shared < 60000  # net long 0.6 BTC: liquidated on a fall

        close_by = (shared * Decimal("1.002")).quantize(Decimal("0.1"))
        move_mark(market.server, BTC, str(close_by))
        near = monitor.wait(is_position(BTC, positionSide="LONG", markPrice=f"{close_by:.8f}"))
        assert near["liquidationPrice"] == long["liquidationPrice"]  # a pair alone: fixed
        assert Decimal(near["liquidationDistance"]) < Decimal("0.0021")
        move_mark(market.server, BTC, str((shared - 100).quantize(Decimal("0.1"))))
        sides = {
            monitor.wait(is_alert("LIQUIDATION"), seconds=30)["positionSide"] for _ in range(2)
        }
        assert sides == {"LONG", "SHORT"}
    finally:
        monitor.close()
