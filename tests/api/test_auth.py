"""Who gets in: replays of changes refused and of reads answered, Ed25519 keys, system accounts,
and the journal's failures as Binance errors."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient

from liquidator.api.server import Server
from liquidator.app.journal import JournalError, JournalRecord, JournalWriteError, MemoryJournal
from liquidator.bootstrap.server import create_app
from tests.api.conftest import ADMIN, Account, open_account, quiet_settings

ORDER: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01",
    "price": "59000",
}


def hmac_query(account: Account, **params: Any) -> str:
    """Return a signed query string (signed once: send it as often as the test needs)."""
    params.setdefault("timestamp", int(time.time() * 1000))
    text = urllib.parse.urlencode(params)
    signature = hmac.new(account.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return f"{text}&signature={signature}"


def public_pem(private: Ed25519PrivateKey) -> str:
    return (
        private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    )


def ed25519_query(private: Ed25519PrivateKey, **params: Any) -> str:
    """Sign as Binance documents: base64 Ed25519 signature of the payload, URL-encoded."""
    params.setdefault("timestamp", int(time.time() * 1000))
    text = urllib.parse.urlencode(params)
    signature = base64.b64encode(private.sign(text.encode())).decode()
    return f"{text}&signature={urllib.parse.quote(signature, safe='')}"


def register(client: TestClient, name: str, pem: str) -> Any:
    return client.post("/admin/keys", data={"account": name, "publicKey": pem}, headers=ADMIN)


def open_orders(account: Account) -> list[Any]:
    orders: list[Any] = account.signed("GET", "/fapi/v1/openOrders", symbol="BTCUSDT").json()
    return orders


def server_of(client: TestClient) -> Server:
    server: Server = client.app.state.server  # type: ignore[attr-defined]
    return server


def test_identical_signed_reads_in_one_millisecond_are_all_answered(alice: Account) -> None:
    """nautilus_trader sends three identical signed reads at start; Binance answers all three."""
    query = hmac_query(alice, symbol="BTCUSDT")
    headers = {"X-MBX-APIKEY": alice.key}

    answers = [alice.client.get(f"/fapi/v1/openOrders?{query}", headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[1].json() == answers[0].json()


def test_a_replayed_order_with_the_signature_in_capitals_is_still_a_replay(
    alice: Account,
) -> None:
    query = hmac_query(alice, **ORDER)
    text, signature = query.rsplit("&signature=", 1)
    headers = {"X-MBX-APIKEY": alice.key}
    first = alice.client.post(f"/fapi/v1/order?{query}", headers=headers)

    again = alice.client.post(
        f"/fapi/v1/order?{text}&signature={signature.upper()}", headers=headers
    )

    assert first.status_code == 200
    assert again.json()["code"] == -1022
    assert len(open_orders(alice)) == 1


def test_a_replayed_cancel_is_refused(alice: Account) -> None:
    placed = alice.signed("POST", "/fapi/v1/order", **ORDER).json()
    query = hmac_query(alice, symbol="BTCUSDT", orderId=placed["orderId"])
    headers = {"X-MBX-APIKEY": alice.key}
    first = alice.client.delete(f"/fapi/v1/order?{query}", headers=headers)

    again = alice.client.delete(f"/fapi/v1/order?{query}", headers=headers)

    assert first.json()["status"] == "CANCELED"
    assert again.json() == {
        "code": -1022,
        "msg": "Signature for this request was already used (a replay).",
    }


def test_an_ed25519_key_signs_orders_and_reads_in_query_or_body(client: TestClient) -> None:
    private = Ed25519PrivateKey.generate()
    key = register(client, "erin", public_pem(private)).json()
    client.post("/admin/deposit", params={"account": "erin", "amount": "10000"}, headers=ADMIN)
    headers = {"X-MBX-APIKEY": key["apiKey"]}

    in_query = client.post(f"/fapi/v1/order?{ed25519_query(private, **ORDER)}", headers=headers)
    in_body = client.post(
        "/fapi/v1/order",
        content=ed25519_query(private, **ORDER | {"price": "58000"}),
        headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    read = client.get(f"/fapi/v1/openOrders?{ed25519_query(private)}", headers=headers)

    assert key["keyType"] == "ED25519"
    assert "secretKey" not in key
    assert in_query.status_code == 200, in_query.json()
    assert in_body.status_code == 200, in_body.json()
    assert sorted(o["price"] for o in read.json()) == ["58000.00", "59000.00"]


def test_an_ed25519_signature_by_another_key_or_in_hex_is_refused(client: TestClient) -> None:
    private = Ed25519PrivateKey.generate()
    key = register(client, "erin", public_pem(private)).json()
    headers = {"X-MBX-APIKEY": key["apiKey"]}
    text = urllib.parse.urlencode(ORDER | {"timestamp": int(time.time() * 1000)})
    stranger = base64.b64encode(Ed25519PrivateKey.generate().sign(text.encode())).decode()
    as_hex = private.sign(text.encode()).hex()

    forged = client.post(
        f"/fapi/v1/order?{text}&signature={urllib.parse.quote(stranger, safe='')}",
        headers=headers,
    )
    hexed = client.post(f"/fapi/v1/order?{text}&signature={as_hex}", headers=headers)

    assert forged.json() == {"code": -1022, "msg": "Signature for this request is not valid."}
    assert hexed.json()["code"] == -1022


def test_a_replayed_ed25519_order_is_refused_however_its_base64_is_spelled(
    client: TestClient,
) -> None:
    private = Ed25519PrivateKey.generate()
    key = register(client, "erin", public_pem(private)).json()
    client.post("/admin/deposit", params={"account": "erin", "amount": "10000"}, headers=ADMIN)
    headers = {"X-MBX-APIKEY": key["apiKey"]}
    text = urllib.parse.urlencode(ORDER | {"timestamp": int(time.time() * 1000)})
    signature = base64.b64encode(private.sign(text.encode())).decode()
    encoded = urllib.parse.quote(signature, safe="")
    unencoded_plus = signature.replace("/", "%2F").replace("=", "%3D")  # '+' arrives as ' '

    first = client.post(f"/fapi/v1/order?{text}&signature={encoded}", headers=headers)
    again = client.post(f"/fapi/v1/order?{text}&signature={unencoded_plus}", headers=headers)

    assert first.status_code == 200
    assert again.json()["code"] == -1022


@pytest.mark.parametrize(
    "pem",
    [
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    ],
    ids=["text", "truncated", "rsa"],
)
def test_a_public_key_that_is_not_ed25519_pem_is_refused(client: TestClient, pem: str) -> None:
    answer = register(client, "erin", pem)

    assert answer.status_code == 400
    assert answer.json()["code"] == -1130
    assert "publicKey" in answer.json()["msg"]


@pytest.mark.parametrize("path", ["/admin/keys", "/admin/accounts", "/admin/deposit"])
@pytest.mark.parametrize("name", ["@market-maker", "@insurance:USDT", "bad name", ""])
def test_admin_paths_refuse_system_and_malformed_account_names(
    client: TestClient, path: str, name: str
) -> None:
    before = client.get("/admin/ledger", headers=ADMIN).json()

    answer = client.post(path, params={"account": name, "amount": "5"}, headers=ADMIN)

    assert answer.status_code == 400
    assert answer.json()["code"] in (-1130, -1102)
    assert client.get("/admin/ledger", headers=ADMIN).json() == before


def test_a_system_account_name_is_refused_as_reserved(client: TestClient) -> None:
    answer = client.post("/admin/keys", params={"account": "@market-maker"}, headers=ADMIN)

    assert answer.json()["code"] == -1130
    assert "reserved" in answer.json()["msg"]


class FailingJournal(MemoryJournal):
    """A memory journal whose appends fail once ``failing`` is set, and reads if ``unreadable``."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False
        self.unreadable = False

    def append(self, records: Sequence[JournalRecord]) -> None:
        if self.failing:
            raise JournalWriteError("disk I/O error")
        super().append(records)

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]:
        if self.unreadable:
            raise OSError("input/output error")
        return super().records_after(seq, batch=batch)


def fail_journal(client: TestClient) -> tuple[FailingJournal, list[str]]:
    """Put a failing journal under the running server; return it and the fatal reasons seen."""
    server = server_of(client)
    journal = FailingJournal()
    journal.append(list(server.live.exchange.journal.records_after(0)))
    server.live.exchange.journal = journal
    fatal: list[str] = []
    server.on_fatal = fatal.append
    journal.failing = True
    return journal, fatal


def test_an_unwritable_journal_answers_1001_with_503_and_retry_after(
    client: TestClient, alice: Account
) -> None:
    journal, fatal = fail_journal(client)

    refused = alice.signed("POST", "/fapi/v1/order", **ORDER)
    journal.failing = False
    # The exchange refuses at once, untouched, for a while after a failure (REFUSAL_WINDOW_S):
    # a client honoring Retry-After waits it out.
    time.sleep(float(refused.headers["Retry-After"]))
    later = alice.signed("POST", "/fapi/v1/order", **ORDER | {"price": "58000"})

    assert refused.status_code == 503
    assert refused.json() == {
        "code": -1001,
        "msg": "Internal error; unable to process your request. Please try again.",
    }
    assert refused.headers["Retry-After"] == "1"
    assert fatal == []
    assert later.status_code == 200
    assert [o["price"] for o in open_orders(alice)] == ["58000.00"]


def test_a_journal_that_can_be_neither_written_nor_read_stops_the_server() -> None:
    settings = quiet_settings()
    client = TestClient(create_app(settings))
    client.__enter__()
    try:
        alice = open_account(client, "alice")
        journal, fatal = fail_journal(client)
        journal.unreadable = True

        failed = alice.signed("POST", "/fapi/v1/order", **ORDER)
        journal.failing = journal.unreadable = False
        after = alice.signed("GET", "/fapi/v1/openOrders", symbol="BTCUSDT")
        public = client.get("/fapi/v1/time")
    finally:
        # A real server never closes a stopped exchange (``on_fatal`` ends the process); this
        # one is closed for the test's sake, and whether that complains is no matter here.
        with contextlib.suppress(JournalError):
            client.__exit__(None, None, None)

    assert len(fatal) == 1
    assert fatal[0].startswith("the journal failed: the exchange stopped")
    assert failed.status_code == 503
    assert after.status_code == 503
    assert public.status_code == 503


def test_the_fatal_stop_writes_one_line_and_ends_the_process() -> None:
    code = "from liquidator.api.server import stop_process; stop_process('the journal failed: x')"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 70
    assert result.stderr == "liquidator: fatal: the journal failed: x; stopping\n"
