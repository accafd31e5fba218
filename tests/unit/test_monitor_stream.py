"""Binance's stream messages as the monitor's events (shapes from Binance's documentation)."""

from __future__ import annotations

import json
from decimal import Decimal

from liquidator.adapters.binance.user_stream import parse_message
from liquidator.app.monitor.events import (
    ForcedKind,
    ForcedOrder,
    Funding,
    ListenKeyExpired,
    MarginCalled,
    MarkMoved,
    PositionChanged,
    StreamAlive,
    WalletChanged,
)
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty, Rate

MARK = {
    "e": "markPriceUpdate", "E": 1562305380000, "s": "BTCUSDT", "p": "11794.15000000",
    "i": "11784.62659091", "P": "11784.25641265", "r": "0.00038167", "T": 1562306400000,
}  # fmt: skip
ACCOUNT_UPDATE = {
    "e": "ACCOUNT_UPDATE", "E": 1564745798939, "T": 1564745798938,
    "a": {
        "m": "ORDER",
        "B": [{"a": "USDT", "wb": "122624.12345678", "cw": "100.12345678", "bc": "50.12345678"}],
        "P": [
            {"s": "BTCUSDT", "pa": "20", "ep": "6563.66500", "bep": "0", "cr": "0",
             "up": "2850.21200", "mt": "isolated", "iw": "13200.70726908", "ps": "LONG"},
            {"s": "ETHUSDT", "pa": "0", "ep": "0", "cr": "0", "up": "0", "mt": "cross",
             "iw": "0", "ps": "BOTH"},
        ],
    },
}  # fmt: skip
LIQUIDATION = {
    "e": "ORDER_TRADE_UPDATE", "E": 1791300000001, "T": 1791300000000,
    "o": {"s": "BTCUSDT", "c": "autoclose-1791300000000", "S": "SELL", "o": "LIQUIDATION",
          "f": "IOC", "q": "0.1", "p": "84000", "ap": "84100", "sp": "0", "x": "CALCULATED",
          "X": "FILLED", "i": 8886780, "l": "0.1", "z": "0.1", "L": "84100", "T": 1791300000000,
          "ps": "BOTH"},
}  # fmt: skip


def test_a_mark_price_update_is_a_mark_with_its_funding() -> None:
    assert parse_message(json.dumps(MARK)) == [
        MarkMoved(
            "BTCUSDT",
            Price.of("11794.15"),
            Funding(Rate.of("0.00038167"), 1562306400000),
            1562305380000,
        )
    ]


def test_the_combined_form_is_read_too() -> None:
    combined = {"stream": "btcusdt@markPrice@1s", "data": MARK}

    assert isinstance(parse_message(json.dumps(combined))[0], MarkMoved)


def test_an_account_update_gives_the_cross_wallet_and_each_position() -> None:
    assert parse_message(json.dumps(ACCOUNT_UPDATE)) == [
        WalletChanged("USDT", Amount.of("100.12345678", "USDT"), 1564745798939),
        PositionChanged(
            "BTCUSDT", PositionSide.LONG, Qty.of("20"), Price.of("6563.665"),
            MarginType.ISOLATED, Decimal("13200.70726908"), 1564745798939,
        ),
        PositionChanged(
            "ETHUSDT", PositionSide.BOTH, Qty.of("0"), Price.of("0"),
            MarginType.CROSS, None, 1564745798939,
        ),
    ]  # fmt: skip


def test_a_liquidation_order_update_is_a_forced_order() -> None:
    assert parse_message(json.dumps(LIQUIDATION)) == [
        ForcedOrder(
            ForcedKind.LIQUIDATION, "BTCUSDT", "SELL", PositionSide.BOTH, 8886780, "FILLED",
            Qty.of("0.1"), Qty.of("0.1"), Price.of("84100"), Price.of("84000"), 1791300000000,
        )
    ]  # fmt: skip


def test_an_adl_close_is_told_by_its_client_id_and_an_ordinary_order_is_not_forced() -> None:
    adl = json.loads(json.dumps(LIQUIDATION))
    adl["o"] |= {"c": "adl_autoclose", "o": "LIMIT"}
    ordinary = json.loads(json.dumps(LIQUIDATION))
    ordinary["o"] |= {"c": "web_1", "o": "MARKET"}

    (event,) = parse_message(json.dumps(adl))

    assert isinstance(event, ForcedOrder)
    assert event.kind is ForcedKind.ADL
    assert parse_message(json.dumps(ordinary)) == [StreamAlive()]


def test_margin_call_and_listen_key_expiry() -> None:
    call = {
        "e": "MARGIN_CALL", "E": 1587727187525, "cw": "3.16812045",
        "p": [{"s": "ETHUSDT", "ps": "LONG", "pa": "1.327", "mt": "CROSSED", "iw": "0",
               "mp": "187.17127", "up": "-1.166074", "mm": "1.614445"}],
    }  # fmt: skip
    expired = {"e": "listenKeyExpired", "E": 1576653824250, "listenKey": "WsCMN0a4"}

    assert parse_message(json.dumps(call)) == [
        MarginCalled(("ETHUSDT",), (Decimal("1.614445"),), 1587727187525)
    ]
    assert parse_message(json.dumps(expired)) == [ListenKeyExpired(1576653824250)]


def test_answers_and_unreadable_frames_only_show_the_link_is_alive() -> None:
    broken_mark = dict(MARK, p="not a price")

    for text in ('{"result": null, "id": 1}', "not json", json.dumps(broken_mark), "[]", "7"):
        assert parse_message(text) == [StreamAlive()]


def test_a_position_update_carries_binance_s_break_even_price_when_it_gives_one() -> None:
    update = json.loads(json.dumps(ACCOUNT_UPDATE))
    update["a"]["P"][0]["bep"] = "6570.22147"

    changed = [e for e in parse_message(json.dumps(update)) if isinstance(e, PositionChanged)]

    assert [e.break_even for e in changed] == [Price.of("6570.22147"), None]  # "0": not told
