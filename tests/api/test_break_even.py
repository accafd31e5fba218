"""``breakEvenPrice`` (positionRisk, both families) and the user stream's ``bep``: the price at
which closing the position with a taker order nets zero after the fees of its life.

Worked examples (Binance's VIP 0 rates: maker 0.02%, taker 0.05%; read/break_even.py):

* USDⓈ-M, a taker buys 1 BTCUSDT at 60,000: fee 30 USDT. ``P = (60,000 + 30) / (1 x 0.9995)
  = 60,060.030015007...``, rounded up (a long's, against the account): 60060.03001501.
* its maker sold 1 at 60,000: fee 12. ``P = (60,000 - 12) / (1 x 1.0005) = 59,958.0209895...``,
  rounded down (a short's): 59958.0209895.
* the taker then sells 0.4 at 61,000 as a taker: realized 400, fee 12.2; 0.6 left at cost
  36,000: ``P = (36,000 + 30 + 12.2 - 400) / (0.6 x 0.9995) = 59,433.383358345...``, up.
* COIN-M, a taker buys 100 BTCUSD_PERP (100 USD each) at 60,000: cost ``10,000 / 60,000 =
  0.1666666666666666`` BTC (10^-16), fee ``0.1666... x 0.05% = 0.0000833333...``, up to
  0.00008334: ``P = 10,000 x 1.0005 / (0.1666666666666666 - 0.00008334) = 60,060.0324186...``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Account
from tests.api.test_dapi_figures import funded, position_row

FAPI, DAPI = "/fapi/v1", "/dapi/v1"


def trade(maker: Account, taker: Account, path: str, order: tuple[str, str, str, str]) -> Any:
    """``maker`` rests the other side of ``order`` (symbol, taker side, quantity, price);
    ``taker`` takes it with a market order."""
    symbol, side, quantity, price = order
    other = "BUY" if side == "SELL" else "SELL"
    maker.signed(
        "POST", f"{path}/order", symbol=symbol, side=other, type="LIMIT", timeInForce="GTC",
        quantity=quantity, price=price,
    )  # fmt: skip
    return taker.signed(
        "POST", f"{path}/order", symbol=symbol, side=side, type="MARKET", quantity=quantity
    ).json()


def test_a_usdm_long_and_its_maker_short_break_even_beyond_their_fees(client: TestClient) -> None:
    maker = funded(client, "maker", "USDT", "100000")
    taker = funded(client, "taker", "USDT", "100000")

    filled = trade(maker, taker, FAPI, ("BTCUSDT", "BUY", "1", "60000"))

    assert filled["status"] == "FILLED"
    long, short = position_row(taker, FAPI, "BTCUSDT"), position_row(maker, FAPI, "BTCUSDT")
    assert (long["entryPrice"], long["breakEvenPrice"]) == ("60000", "60060.03001501")
    assert (short["entryPrice"], short["breakEvenPrice"]) == ("60000", "59958.0209895")
    v3 = taker.signed("GET", "/fapi/v3/positionRisk", symbol="BTCUSDT").json()
    assert v3[0]["breakEvenPrice"] == "60060.03001501"


def test_a_partial_close_s_profit_and_fee_move_the_break_even_of_what_is_left(
    client: TestClient,
) -> None:
    maker = funded(client, "maker", "USDT", "100000")
    taker = funded(client, "taker", "USDT", "100000")
    trade(maker, taker, FAPI, ("BTCUSDT", "BUY", "1", "60000"))

    trade(maker, taker, FAPI, ("BTCUSDT", "SELL", "0.4", "61000"))

    row = position_row(taker, FAPI, "BTCUSDT")
    assert (row["positionAmt"], row["entryPrice"]) == ("0.600", "60000")
    assert row["breakEvenPrice"] == "59433.38335835"


def test_a_position_reopened_after_a_flip_counts_only_its_own_share_of_the_fees(
    client: TestClient,
) -> None:
    maker = funded(client, "maker", "USDT", "100000")
    taker = funded(client, "taker", "USDT", "100000")
    trade(maker, taker, FAPI, ("BTCUSDT", "BUY", "1", "60000"))

    trade(maker, taker, FAPI, ("BTCUSDT", "SELL", "3", "60000"))  # long 1 -> short 2

    # fee 3 x 60,000 x 0.05% = 90, two thirds of it the short's: (120,000 - 60) / (2 x 1.0005)
    row = position_row(taker, FAPI, "BTCUSDT")
    assert (row["positionAmt"], row["breakEvenPrice"]) == ("-2.000", "59940.029985")


def test_a_coinm_long_breaks_even_at_its_inverse_price_and_the_stream_says_the_same(
    client: TestClient,
) -> None:
    maker = funded(client, "maker", "BTC", "10")
    taker = funded(client, "taker", "BTC", "1")
    key = client.post("/dapi/v1/listenKey", headers={"X-MBX-APIKEY": taker.key}).json()

    with client.websocket_connect(f"/dapi/ws/{key['listenKey']}") as socket:
        trade(maker, taker, DAPI, ("BTCUSD_PERP", "BUY", "100", "60000"))
        updates = [json.loads(socket.receive_text()) for _ in range(3)]  # NEW, TRADE, account

    row = position_row(taker, DAPI, "BTCUSD_PERP")
    assert (row["entryPrice"], row["breakEvenPrice"]) == ("60000", "60060.03241862")
    (account,) = [u for u in updates if u["e"] == "ACCOUNT_UPDATE"]
    (position,) = account["a"]["P"]
    assert (position["ep"], position["bep"]) == ("60000", "60060.03241862")
