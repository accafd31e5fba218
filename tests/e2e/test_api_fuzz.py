"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): no 500s ever.

A live server on 127.0.0.1 (real uvicorn, SQLite journal); every operation is called with
generated parameters, valid and not, signed or not. Whatever comes in, the answer is a Binance
error or a success, never a server error, and the ledger still balances.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.conftest import ADMIN_KEY, LiveServer, start_server

EXAMPLES = 30


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("fuzz") / "exchange.sqlite", "--weight-limit", "0"
    )
    try:
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
        if server.process.stderr is not None:
            server.process.stderr.close()


def test_no_operation_answers_a_server_error(live: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 40
    key = admin(live, "/admin/keys", account="fuzzer")
    admin(live, "/admin/deposit", account="fuzzer", amount="100000")
    for operation in operations:
        check_operation(operation, live, key)


def admin(live: LiveServer, path: str, **params: str) -> Any:
    request = urllib.request.Request(
        f"{live.url}{path}?{urllib.parse.urlencode(params)}",
        method="POST",
        headers={"X-ADMIN-KEY": ADMIN_KEY},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def signed_call(case: Any, live: LiveServer, key: dict[str, str]) -> Any:
    """Send the generated parameters signed with a real key: the handlers behind auth."""
    query = {
        name: value
        for name, value in (case.query or {}).items()
        if name not in ("signature", "timestamp") and isinstance(value, str | int | float | bool)
    }
    query["timestamp"] = int(time.time() * 1000)
    query.pop("recvWindow", None)
    text = urllib.parse.urlencode(query)
    signature = hmac.new(key["secretKey"].encode(), text.encode(), hashlib.sha256).hexdigest()
    return requests.request(
        case.method,
        f"{live.url}{case.formatted_path}?{text}&signature={signature}",
        headers={"X-MBX-APIKEY": key["apiKey"]},
        timeout=10,
    )


def check(response: Any, label: str) -> None:
    assert response.status_code < 500, label
    body = response.json()
    if response.status_code >= 400:
        assert set(body) == {"code", "msg"}, label
        assert body["code"] < 0, label


def check_operation(operation: Any, live: LiveServer, key: dict[str, str]) -> None:
    signed = any(p.name == "signature" for p in operation.query)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case: Any) -> None:
        headers = case.headers or {}
        if "X-ADMIN-KEY" in headers:
            headers["X-ADMIN-KEY"] = ADMIN_KEY  # reach the admin handlers too
            case.headers = headers
        response = case.call(base_url=live.url)
        check(response, f"{case.method} {case.path} {case.query} -> {response.text}")
        if signed:
            response = signed_call(case, live, key)
            check(response, f"signed {case.method} {case.path} {case.query} -> {response.text}")

    call()


def test_the_ledger_balances_after_the_fuzzing(live: LiveServer) -> None:
    request = urllib.request.Request(live.url + "/admin/ledger", headers={"X-ADMIN-KEY": ADMIN_KEY})
    with urllib.request.urlopen(request, timeout=10) as answer:
        state = json.loads(answer.read())
    assert state["balanced"] is True
    assert state["journalSeq"] > 100  # signed calls reached the engine, accepted or refused
