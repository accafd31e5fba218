"""The three real clients, each in its own venv, drive the same story against a live server.

Load markets, deposit (admin), set leverage and margin type, open a position with a market
order, place and cancel a stop-loss both ways (``/fapi/v1/order`` STOP_MARKET and
``/fapi/v1/algoOrder``), crash the price (admin), see the position liquidated, and read it back
through the client's own calls (forced orders, positions, balance, income); a WebSocket client
receives the liquidation's ORDER_TRADE_UPDATE and the forceOrder event.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.conftest import LiveServer, run_story


def test_binance_futures_connector_story(server: LiveServer) -> None:
    story = run_story("futures-connector", "futures_connector_story.py", server)

    assert "BTCUSDT" in story["symbols"]
    assert story["leverage"]["leverage"] == 20
    assert story["margin_type"] == {"code": 200, "msg": "success"}
    assert story["commission"]["takerCommissionRate"] == "0.0005"
    assert [(c["leverage"], c["marginType"]) for c in story["symbol_config"]] == [(20, "ISOLATED")]
    assert story["account_config"]["multiAssetsMargin"] is False
    assert story["multi_assets"] == {"multiAssetsMargin": False}
    assert story["trading_status"]["indicators"] == {}
    assert {x["interval"] for x in story["rate_limits"]} == {"SECOND", "MINUTE"}
    assert len(story["book_ticker"]["bidPrice"].split(".")[1]) == 2  # pricePrecision
    assert [o["status"] for o in story["batch"]] == ["NEW", "NEW"]
    modified = story["modified"]
    assert (modified["origQty"], modified["status"]) == ("0.020", "NEW")
    assert [o["status"] for o in story["batch_cancelled"]] == ["CANCELED", "CANCELED"]
    assert Decimal(story["open_interest"]["openInterest"]) >= Decimal("0.05")
    stats = story["stats"]
    (interest,) = stats["open_interest_hist"]
    assert Decimal(interest["sumOpenInterest"]) == Decimal(story["open_interest"]["openInterest"])
    assert stats["top_accounts"][0]["longAccount"] == "1.0000"  # the only user holds a long
    assert stats["global_ratio"][0]["longAccount"] == "1.0000"
    assert stats["top_positions"][0]["longAccount"] == "1.0000"
    assert sum(Decimal(row["buyVol"]) for row in stats["taker"]) >= Decimal("0.05")
    assert all(len(t["qty"].split(".")[1]) == 3 for t in story["historical_trades"])
    assert len(story["continuous_klines"]) >= 1
    assert story["opened"]["status"] == "FILLED"
    assert Decimal(story["opened"]["executedQty"]) == Decimal("0.05")
    assert story["stop"]["type"] == "STOP_MARKET"
    assert story["stop_cancelled"]["status"] == "CANCELED"
    assert story["algo"]["algoStatus"] == "NEW"
    assert [o["algoId"] for o in story["open_algo"]] == [story["algo"]["algoId"]]
    assert story["algo_cancelled"]["code"] == "200"
    (before,) = story["position_before"]
    assert Decimal(before["positionAmt"]) == Decimal("0.05")
    assert Decimal(before["liquidationPrice"]) > 0
    assert_liquidated(story)


def assert_liquidated(story: dict[str, Any]) -> None:
    (forced,) = story["force_orders"]
    assert forced["clientOrderId"].startswith("autoclose-")
    assert (forced["side"], forced["status"]) == ("SELL", "FILLED")
    assert Decimal(forced["executedQty"]) == Decimal("0.05")
    assert all(Decimal(p["positionAmt"]) == 0 for p in story["positions"])
    assert story["ws_seen"], [m.get("e") for m in story["messages"]]
    kinds = {row["incomeType"] for row in story["income"]}
    assert {"COMMISSION", "REALIZED_PNL"} <= kinds
    (usdt,) = [row for row in story["balance"] if row["asset"] == "USDT"]
    assert Decimal(usdt["balance"]) < Decimal("10000")


def test_python_binance_story(server: LiveServer) -> None:
    story = run_story("python-binance", "python_binance_story.py", server)

    assert "BTCUSDT" in story["symbols"]
    assert story["leverage"]["leverage"] == 20
    assert story["commission"]["makerCommissionRate"] == "0.0002"
    assert [(c["leverage"], c["marginType"]) for c in story["symbol_config"]] == [(20, "ISOLATED")]
    assert story["account_config"]["dualSidePosition"] is False
    assert story["multi_assets"] == {"multiAssetsMargin": False}
    assert [o["status"] for o in story["batch"]] == ["NEW", "NEW"]
    assert (story["modified"]["origQty"], story["modified"]["status"]) == ("0.020", "NEW")
    (interest,) = story["stats"]["open_interest_hist"]
    assert Decimal(interest["sumOpenInterest"]) == Decimal(story["open_interest"]["openInterest"])
    assert story["stats"]["global_ratio"][0]["longAccount"] == "1.0000"
    assert sum(Decimal(row["buyVol"]) for row in story["stats"]["taker"]) >= Decimal("0.05")
    assert 1 <= len(story["historical_trades"]) <= 5
    assert [o["status"] for o in story["batch_cancelled"]] == ["CANCELED", "CANCELED"]
    assert Decimal(story["open_interest"]["openInterest"]) >= Decimal("0.05")
    assert story["opened"]["status"] == "FILLED"
    assert story["algo"]["algoType"] == "CONDITIONAL"
    assert story["algo"]["orderType"] == "STOP_MARKET"
    assert [o["algoId"] for o in story["open_algo"]] == [story["algo"]["algoId"]]
    assert story["algo_cancelled"]["code"] == "200"
    assert story["stop"]["type"] == "STOP_MARKET"
    assert story["stop_cancelled"]["status"] == "CANCELED"
    (before,) = story["position_before"]
    assert Decimal(before["positionAmt"]) == Decimal("0.05")
    story["ws_seen"] = True  # this client's stream is not part of its story
    story["messages"] = []
    assert_liquidated(story)
    assert Decimal(story["account"]["totalWalletBalance"]) < Decimal("10000")


def test_ccxt_story(server: LiveServer) -> None:
    story = run_story("ccxt", "ccxt_story.py", server)

    assert "BTC/USDT:USDT" in story["symbols"]
    assert {"BTC", "ETH", "USDT"} <= set(story["currencies"])  # load_markets with its defaults
    assert (story["fetched_leverage"], story["fetched_margin_mode"]) == (20, "isolated")
    assert story["fee"] == {"maker": 0.0002, "taker": 0.0005}
    assert 0 < story["bids_asks"]["bid"] < story["bids_asks"]["ask"]
    assert [o["status"] for o in story["batch"]] == ["open", "open"]
    assert (story["edited"]["amount"], story["edited"]["price"]) == (
        0.02,
        story["batch"][0]["price"] - 5,
    )
    assert story["batch_cancelled"] == ["canceled", "canceled"]
    assert story["opened"] == {"status": "closed", "filled": 0.05}
    assert story["open_interest"] >= 0.05
    assert story["open_interest_history"] == [story["open_interest"]]
    assert story["long_short"] == [0.0]  # one user, long: no short account to divide by
    assert story["funding_interval"] == "8h"
    assert story["index_candles"] >= 1
    assert story["algo"]["type"] == "market"  # ccxt unifies STOP_MARKET as a triggered market
    assert story["open_algo"] == [story["algo"]["id"]]
    assert story["algo_cancelled"]["code"] == "200"
    assert story["stop"]["type"] == "STOP_MARKET"
    assert story["stop_cancelled"] == "canceled"
    (before,) = story["position_before"]
    assert (before["contracts"], before["side"]) == (0.05, "long")
    assert before["liquidationPrice"] > 0
    (liquidation,) = story["liquidations"]
    assert liquidation["contracts"] == 0.05
    assert story["positions"] == []
    assert story["usdt"]["total"] < 10000
    assert {"COMMISSION", "REALIZED_PNL"} <= set(story["ledger"])
