"""ccxt.pro against a live server: a book kept from the depth stream while orders flow."""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.conftest import LiveServer, run_story


def test_ccxtpro_keeps_the_rest_book_from_the_depth_stream_while_orders_flow(
    server: LiveServer,
) -> None:
    story = run_story("ccxt", "ccxtpro_story.py", server)

    watched = story["watch"]
    assert watched["ticker"]["symbol"] == "BTC/USDT:USDT"
    assert watched["ticker"]["last"] > 0
    assert (watched["trade"]["side"], watched["trade"]["amount"]) == ("buy", 0.01)
    for speed, updates in (("0ms", 1000), ("100ms", 30)):
        result = story[speed]
        assert result["errors"] == [], speed  # no checksum or sequence error
        assert result["updates"] == updates
        assert result["equal"], speed  # the watched book is the REST book at the end
        assert min(result["levels"]) > 0


def test_ccxtpro_watches_its_liquidation_with_price_and_amount_and_the_stream_is_binances(
    server: LiveServer,
) -> None:
    story = run_story("ccxt", "ccxtpro_user_story.py", server)
    messages = story["messages"]
    (forced,) = story["forced"]

    assert story["watched"] == [
        {"price": float(forced["avgPrice"]), "contracts": 0.05, "side": "sell"}
    ]
    liquidation = [m["o"] for m in messages if m["e"] == "ORDER_TRADE_UPDATE"]
    liquidation = [o for o in liquidation if o["o"] == "LIQUIDATION"]
    assert [(o["x"], o["X"], Decimal(o["l"]), Decimal(o["ap"])) for o in liquidation] == [
        ("CALCULATED", "FILLED", Decimal("0.05"), Decimal(forced["avgPrice"]))
    ]
    opened = next(m["a"] for m in messages if m["e"] == "ACCOUNT_UPDATE")
    (usdt,) = opened["B"]
    assert opened["m"] == "ORDER"  # an isolated fill: not MARGIN_TRANSFER
    assert Decimal(usdt["wb"]) == Decimal(story["account"]["walletBalance"])
    assert Decimal(usdt["cw"]) == Decimal(story["account"]["crossWalletBalance"])
    assert Decimal(usdt["wb"]) > Decimal(usdt["cw"])
    (public,) = story["force_order_stream"]
    assert (public["e"], public["o"]["q"], public["o"]["z"]) == ("forceOrder", "0.050", "0.050")
    assert public["o"]["ap"] == f"{Decimal(forced['avgPrice']):.2f}"  # BTCUSDT's precision
    (call,) = [m for m in messages if m["e"] == "MARGIN_CALL"]
    (position,) = call["p"]
    assert (position["s"], Decimal(position["pa"]), position["mt"]) == (
        "BTCUSDT",
        Decimal("0.05"),
        "ISOLATED",
    )


def test_ccxtpro_trades_over_the_websocket_api(server: LiveServer) -> None:
    story = run_story("ccxt", "ccxtpro_ws_api_story.py", server)

    assert story["limit"] == {
        "id": story["limit"]["id"],
        "status": "open",
        "price": 50000.0,
        "amount": 0.01,
        "type": "limit",
    }
    assert (story["edited"]["price"], story["edited"]["status"]) == (50100.0, "open")
    assert story["fetched"] == story["edited"]
    assert story["cancelled"] == story["rest"] == "canceled"  # REST sees what the WS API did
    assert story["market"] == {"status": "closed", "filled": 0.01}
    assert story["positions"] == [0.01]
    assert 9990 < story["balance"] < 10000  # the deposit less the taker fee
