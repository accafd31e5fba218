"""``POST /fapi/v1/positionMargin``: isolated margin in and out, and what it refuses."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN, Account


def _isolated_wallet(alice: Account) -> Decimal:
    rows = alice.signed("GET", "/fapi/v2/positionRisk", symbol="BTCUSDT").json()
    return Decimal(next(r for r in rows if Decimal(r["positionAmt"]))["isolatedWallet"])


def _open_isolated_long(client: TestClient, alice: Account, bob: Account) -> None:
    client.post("/admin/price", params={"symbol": "BTCUSDT", "mark": "60000"}, headers=ADMIN)
    isolated = alice.signed("POST", "/fapi/v1/marginType", symbol="BTCUSDT", marginType="ISOLATED")
    assert isolated.status_code == 200, isolated.json()
    for trader, side in ((bob, "SELL"), (alice, "BUY")):
        placed = trader.signed(
            "POST",
            "/fapi/v1/order",
            symbol="BTCUSDT",
            side=side,
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="60000",
        )
        assert placed.status_code == 200, placed.json()


def test_adding_and_removing_isolated_margin_moves_the_wallet_exactly(
    client: TestClient, alice: Account, bob: Account
) -> None:
    _open_isolated_long(client, alice, bob)
    before = _isolated_wallet(alice)

    added = alice.signed(
        "POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="12.34567891", type=1
    )
    after_add = _isolated_wallet(alice)
    removed = alice.signed("POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="2", type=2)

    assert added.status_code == 200, added.json()
    assert added.json() == {
        "amount": 12.34567891,
        "code": 200,
        "msg": "Successfully modify position margin.",
        "type": 1,
    }
    assert after_add - before == Decimal("12.34567891")
    assert removed.json()["type"] == 2
    assert _isolated_wallet(alice) == after_add - 2


def test_bad_position_margin_requests_change_nothing(
    client: TestClient, alice: Account, bob: Account
) -> None:
    _open_isolated_long(client, alice, bob)
    before = _isolated_wallet(alice)

    bad_type = alice.signed("POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="1", type=3)
    too_much = alice.signed(
        "POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="1000000", type=2
    )
    negative = alice.signed(
        "POST", "/fapi/v1/positionMargin", symbol="BTCUSDT", amount="-1", type=1
    )

    assert bad_type.status_code == 400
    assert bad_type.json() == {
        "code": -1130,
        "msg": "Data sent for parameter 'type' is not valid.",
    }
    assert too_much.status_code == 400
    assert too_much.json() == {"code": -4051, "msg": "Isolated balance insufficient."}
    assert negative.json()["code"] == -4055
    assert _isolated_wallet(alice) == before
