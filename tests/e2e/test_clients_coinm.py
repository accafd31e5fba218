"""The three real clients on COIN-M (``/dapi`` and the dstream paths), each in its own venv.

Each story deposits 1 BTC, reads BTCUSD_PERP's market (100 USD a contract, margined in BTC),
sets 20x isolated, rests and cancels a limit order, buys 100 contracts at market, reads its
position back, crashes the price (admin) and sees the liquidation on the user stream it opened at
the dstream base, then reads the forced order, the flat position, the balance and the income.
The liquidation price a client is served is the calculator's (``core.margin.liquidation_price``)
for the position it is shown.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from liquidator.bootstrap import bundled_market
from liquidator.core.margin.liquidation_price import SharedMargin, liquidation_price
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty
from tests.e2e.conftest import LiveServer, run_story

SYMBOL = "BTCUSD_PERP"
RAW = Decimal("0.00000001")


def calculated_liquidation_price(row: dict[str, Any]) -> Decimal:
    """The calculator's liquidation price of an isolated ``positionRisk`` row."""
    market = bundled_market()
    instrument, table = market.instruments[SYMBOL], market.brackets[SYMBOL]
    wallet = Amount.of(row["isolatedWallet"], "BTC")
    position = Position(
        instrument=instrument,
        side=PositionSide(row["positionSide"]),
        quantity=Qty.of(row["positionAmt"]),
        entry_price=Price.of(row["entryPrice"]),
        mark_price=Price.of(row["markPrice"]),
        margin_type=MarginType.ISOLATED,
        leverage=int(row["leverage"]),
        isolated_wallet=wallet,
    )
    found = liquidation_price([position], [table], SharedMargin.isolated(wallet))
    assert found.trigger is not None
    return found.trigger.price.to_decimal()


def assert_is_the_calculators(row: dict[str, Any]) -> None:
    """The served price is the calculator's exact one, up to what the engine's integer check
    can see: it compares PnL (floored) and maintenance (ceiled) in raw units of 10**-8 BTC, and
    near the liquidation price P one raw unit is worth ``P**2 / (|q| x 100) x 10**-8`` USD of
    mark (0.0033 USD for 100 contracts at 57,000). A long is liquidated no later than the
    calculator says (its price is at or above it), and by at most three such units earlier."""
    served = Decimal(row["liquidationPrice"])
    calculated = calculated_liquidation_price(row)
    unit_worth = calculated**2 / (abs(Decimal(row["positionAmt"])) * 100) * RAW
    assert calculated <= served <= calculated + 3 * unit_worth, (served, calculated, unit_worth)


def assert_open_long(row: dict[str, Any]) -> None:
    """100 contracts long at about 60,000: 100 x 100 / 60,000 BTC of notional."""
    assert (row["symbol"], row["positionAmt"], row["marginType"]) == (SYMBOL, "100", "isolated")
    assert abs(Decimal(row["entryPrice"]) - 60_000) < 100
    assert abs(Decimal(row["notionalValue"]) - Decimal(10_000) / 60_000) < Decimal("0.0001")
    assert 0 < Decimal(row["isolatedWallet"]) <= Decimal("0.0084")  # 1/20 of 0.1667 BTC
    assert 0 < Decimal(row["liquidationPrice"]) < 60_000
    assert_is_the_calculators(row)


def assert_liquidated(story: dict[str, Any]) -> None:
    (forced,) = story["force_orders"]
    assert forced["clientOrderId"].startswith("autoclose-")
    assert (forced["side"], forced["status"], forced["executedQty"]) == ("SELL", "FILLED", "100")
    assert forced["pair"] == "BTCUSD"
    assert Decimal(forced["cumBase"]) > 0
    assert all(Decimal(p["positionAmt"]) == 0 for p in story["positions"])
    (btc,) = story["balance"]
    assert btc["asset"] == "BTC"
    assert Decimal(btc["balance"]) < 1
    kinds = {row["incomeType"] for row in story["income"]}
    assert {"COMMISSION", "REALIZED_PNL"} <= kinds
    assert {row["asset"] for row in story["income"]} == {"BTC"}


def assert_liquidation_message(messages: list[dict[str, Any]]) -> None:
    (fill,) = [
        m["o"]
        for m in messages
        if m.get("e") == "ORDER_TRADE_UPDATE" and m["o"]["o"] == "LIQUIDATION"
    ]
    assert (fill["s"], fill["X"], fill["z"], fill["ma"], fill["N"]) == (
        SYMBOL,
        "FILLED",
        "100",
        "BTC",
        "BTC",
    )
    assert Decimal(fill["ap"]) > 0


def test_binance_futures_connector_coinm_story(server: LiveServer) -> None:
    story = run_story("futures-connector", "futures_connector_coinm_story.py", server)

    assert story["symbols"] == {SYMBOL: 100}
    assert story["ping"] == {}
    assert float(story["depth"]["bids"][0][0]) < float(story["depth"]["asks"][0][0])
    (mark,) = story["mark"]
    assert (mark["symbol"], mark["pair"]) == (SYMBOL, "BTCUSD")
    ((ticker,), (price,), (book,)) = story["ticker"], story["price"], story["book_ticker"]
    assert (ticker["pair"], price["ps"], book["pair"]) == ("BTCUSD",) * 3
    assert story["open_interest"]["contractType"] == "PERPETUAL"
    (brackets,) = story["brackets"]
    assert brackets["symbol"] == SYMBOL
    assert brackets["brackets"][0] == {
        "bracket": 1,
        "initialLeverage": 125,
        "qtyCap": 5.0,
        "qtyFloor": 0.0,
        "maintMarginRatio": 0.004,
        "cum": 0.0,
    }
    assert story["leverage"] == {"leverage": 20, "maxQty": "50", "symbol": SYMBOL}
    assert story["margin_type"] == {"code": 200, "msg": "success"}
    assert story["resting"]["status"] == "NEW"
    assert story["resting"]["pair"] == "BTCUSD"
    assert [o["orderId"] for o in story["open_orders"]] == [story["resting"]["orderId"]]
    assert story["cancelled"]["status"] == "CANCELED"
    opened = story["opened"]
    assert (opened["status"], opened["executedQty"]) == ("FILLED", "100")
    assert "cumQuote" not in opened
    assert Decimal(opened["cumBase"]) == (100 * 100 / Decimal(opened["avgPrice"])).quantize(
        RAW, rounding="ROUND_DOWN"
    )
    (trade,) = story["trades"]
    assert (trade["qty"], trade["marginAsset"], trade["commissionAsset"]) == ("100", "BTC", "BTC")
    assert Decimal(trade["baseQty"]) == (100 * 100 / Decimal(trade["price"])).quantize(
        RAW, rounding="ROUND_DOWN"
    )
    (position,) = story["position_before"]
    assert_open_long(position)
    (interest,) = story["stats"]["open_interest_hist"]
    assert (interest["pair"], interest["sumOpenInterest"]) == ("BTCUSD", "100")
    (accounts,) = story["stats"]["global_ratio"]
    assert accounts["longAccount"] == "1.0000"  # the only user, long
    (positions,) = story["stats"]["top_positions"]
    assert positions["longShortRatio"] == "0.0000"  # no user short to divide by
    assert story["ws_seen"], [m.get("e") for m in story["messages"]]
    assert_liquidation_message(story["messages"])
    assert any(m.get("e") == "markPriceUpdate" for m in story["messages"])
    assert_liquidated(story)
    (asset,) = story["account"]["assets"]
    assert asset["asset"] == "BTC"
    assert asset["walletBalance"] == story["balance"][0]["balance"]


def test_python_binance_coinm_story(server: LiveServer) -> None:
    story = run_story("python-binance", "python_binance_coinm_story.py", server)

    assert story["symbols"] == {SYMBOL: 100}
    assert len(story["book"]["bids"]) == 5
    (brackets,) = story["brackets"]
    assert [b["qtyCap"] for b in brackets["brackets"][:3]] == [5.0, 10.0, 20.0]
    assert story["leverage"]["maxQty"] == "50"
    assert story["resting"]["status"] == "NEW"
    assert story["queried"]["orderId"] == story["resting"]["orderId"]
    assert story["cancelled"]["status"] == "CANCELED"
    assert (story["opened"]["status"], story["opened"]["executedQty"]) == ("FILLED", "100")
    assert [o["status"] for o in story["all_orders"]] == ["CANCELED", "FILLED"]
    assert Decimal(story["open_interest"]["openInterest"]) == 100
    (position,) = story["position_before"]
    assert_open_long(position)
    (asset,) = story["account_before"]["assets"]
    assert Decimal(asset["maintMargin"]) > 0
    assert asset["asset"] == "BTC"
    assert_liquidation_message(story["messages"])
    assert_liquidated(story)


def test_ccxt_coinm_story(server: LiveServer) -> None:
    story = run_story("ccxt", "ccxt_coinm_story.py", server)

    assert "BTC/USD:BTC" in story["symbols"]
    market = story["market"]
    assert (market["inverse"], market["contractSize"], market["settle"]) == (True, 100.0, "BTC")
    assert story["book"]["bid"] < story["book"]["ask"]
    assert story["tiers"][0] == [0.0, 5.0, 0.004]
    assert story["resting"] == {"status": "open", "amount": 5.0}
    assert story["open_orders"] == [story["resting_id"]]
    assert story["cancelled"] == "canceled"
    assert story["opened"] == {"status": "closed", "filled": 100.0}
    (trade,) = story["trades"]
    assert (trade["amount"], trade["fee"]) == (100.0, "BTC")
    (position,) = story["position_before"]
    assert (position["contracts"], position["side"]) == (100.0, "long")
    assert position["liquidationPrice"] == float(position["info"]["liquidationPrice"])
    assert_open_long(position["info"])
    assert story["open_interest_history"] == [[100.0, 0.16666666]]  # contracts, BTC at 60,000
    assert any(o.get("o") == "LIQUIDATION" and o["X"] == "FILLED" for o in story["ws_orders"])
    (liquidation,) = story["liquidations"]
    assert (liquidation["contracts"], liquidation["side"]) == (100.0, "sell")
    assert story["positions"] == []
    assert story["btc"]["total"] < 1
    assert {"COMMISSION", "REALIZED_PNL"} <= set(story["ledger"])
