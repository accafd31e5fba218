"""``/futures/data/`` statistics computed from the venue's own accounts and trades."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Account, limit_order, open_account
from tests.api.test_parity import trade


def stats(client: TestClient, name: str, **params: int) -> list[dict[str, object]]:
    answer = client.get(
        f"/futures/data/{name}", params={"symbol": "BTCUSDT", "period": "5m", **params}
    )
    assert answer.status_code == 200, answer.json()
    return list(answer.json())


def test_taker_volume_splits_each_period_by_the_takers_side(
    client: TestClient, alice: Account, bob: Account
) -> None:
    trade(bob, alice, "0.03")  # alice buys as taker
    limit_order(alice, price="60000", quantity="0.01")
    bob.signed(
        "POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.01"
    )

    (row,) = stats(client, "takerlongshortRatio")

    assert (row["buyVol"], row["sellVol"], row["buySellRatio"]) == ("0.0300", "0.0100", "3.0000")


def test_account_ratios_count_accounts_by_their_net_position(
    client: TestClient, alice: Account, bob: Account
) -> None:
    carol = open_account(client, "carol", deposit="100000")
    trade(bob, alice, "0.02")  # alice long 0.02, bob short 0.02
    trade(bob, carol, "0.01")  # carol long 0.01, bob short 0.03

    (everyone,) = stats(client, "globalLongShortAccountRatio")
    (top,) = stats(client, "topLongShortAccountRatio")
    (top_positions,) = stats(client, "topLongShortPositionRatio")
    (interest,) = stats(client, "openInterestHist")

    assert (everyone["longAccount"], everyone["shortAccount"]) == ("0.6667", "0.3333")
    assert everyone["longShortRatio"] == "2.0000"
    assert (top["longAccount"], top["longShortRatio"]) == ("1.0000", "0.0000")  # carol only
    assert top_positions["longAccount"] == "1.0000"
    assert interest["sumOpenInterest"] == "0.03000000"
    assert interest["timestamp"] == top["timestamp"]


def test_a_window_before_the_current_period_has_no_live_sample(client: TestClient) -> None:
    assert stats(client, "openInterestHist", endTime=1) == []
    assert (
        client.get(
            "/futures/data/openInterestHist", params={"symbol": "BTCUSDT", "period": "7m"}
        ).json()["code"]
        == -1130
    )
