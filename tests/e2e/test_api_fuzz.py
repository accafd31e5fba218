"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): no 500s ever.

A live server on 127.0.0.1 (real uvicorn, SQLite journal); every operation is called with
generated parameters, valid and not, signed or not. Whatever comes in, the answer is a Binance
error or a success, never a server error, and the ledger still balances.

Then hostile strategies the schema alone would not produce: every numeric parameter of every
operation as other scripts' digits, superscripts, numbers of thousands of digits, exponents,
underscores and padded values; JSON bodies nested thousands deep or holding huge literals; and
bodies over the size cap. Unsigned, signed with a real key, and with the admin key.
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
from hypothesis import strategies as st

from tests.e2e.conftest import ADMIN_KEY, LiveServer, start_server

EXAMPLES = 30


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("fuzz") / "exchange.sqlite",
        *("--weight-limit", "0", "--order-limit-10s", "0", "--order-limit-1m", "0"),
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


HOSTILE_NUMBERS = st.one_of(
    st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6),
    st.integers(min_value=21, max_value=6_000).map(lambda digits: "9" * digits),
    st.integers(min_value=21, max_value=6_000).map(lambda digits: "0." + "1" * digits),
    st.sampled_from(
        ["1e3", "1E-9", "0.00_2", "1_000", " 1", "1 ", "1\n", "+1", "0x10", "1.", ".5", "NaN"]
    ),
    st.sampled_from(["Infinity", "-Infinity", "１", "¹", "٢٠", "۵", "߅", "𝟓", "-", "--1", ""]),
)
HOSTILE_BODIES = st.one_of(
    st.integers(min_value=50, max_value=20_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(min_value=50, max_value=20_000).map(lambda n: '{"a":' + "[" * n + "]" * n + "}"),
    st.integers(min_value=21, max_value=6_000).map(lambda n: '{"amount": ' + "9" * n + "}"),
    st.sampled_from(['{"amount": 1e999999}', '{"amount": NaN}', '{"a": null}', '{"a": [1]}']),
    st.sampled_from(['{"a": 1', "[" * 5000, '{"a": "\\ud800"}', '{"amount": 0.00_2}']),
)
MIB = 1024 * 1024


def operations_of(live: LiveServer) -> list[tuple[str, str, list[str], bool]]:
    """(method, path, numeric parameters, signed) of every operation in the OpenAPI schema."""
    schema = requests.get(live.url + "/openapi.json", timeout=10).json()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = operation.get("parameters", [])
            names = [p["name"] for p in parameters if p["in"] == "query"]
            numeric = [
                p["name"]
                for p in parameters
                if p["in"] == "query" and p["schema"].get("type") in ("integer", "number")
            ]
            operations.append((method.upper(), path, numeric, "signature" in names))
    return operations


def test_hostile_numbers_never_answer_a_server_error(live: LiveServer) -> None:
    key = admin(live, "/admin/keys", account="hostile")
    admin(live, "/admin/deposit", account="hostile", amount="100000")
    operations = [op for op in operations_of(live) if op[2]]
    assert len(operations) > 15
    with requests.Session() as session:
        for method, path, numeric, signed in operations:
            hostile_calls(session, live, key, method, path, numeric, signed)


def hostile_calls(
    session: requests.Session,
    live: LiveServer,
    key: dict[str, str],
    method: str,
    path: str,
    numeric: list[str],
    signed: bool,
) -> None:
    @given(values=st.lists(HOSTILE_NUMBERS, min_size=len(numeric), max_size=len(numeric)))
    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(values: list[str]) -> None:
        query = {"symbol": "BTCUSDT", **dict(zip(numeric, values, strict=True))}
        text = urllib.parse.urlencode(query)
        headers = {"X-ADMIN-KEY": ADMIN_KEY}
        response = session.request(method, f"{live.url}{path}?{text}", headers=headers, timeout=10)
        check(response, f"{method} {path} {query!r} -> {response.text[:200]}")
        if signed:
            query["timestamp"] = str(int(time.time() * 1000))
            text = urllib.parse.urlencode(query)
            signature = hmac.new(
                key["secretKey"].encode(), text.encode(), hashlib.sha256
            ).hexdigest()
            response = session.request(
                method,
                f"{live.url}{path}?{text}&signature={signature}",
                headers={"X-MBX-APIKEY": key["apiKey"]},
                timeout=10,
            )
            check(response, f"signed {method} {path} {query!r} -> {response.text[:200]}")

    call()


@given(body=HOSTILE_BODIES, path=st.sampled_from(["/admin/deposit", "/fapi/v1/order"]))
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_hostile_json_bodies_never_answer_a_server_error(
    live: LiveServer, body: str, path: str
) -> None:
    for headers in ({}, {"X-ADMIN-KEY": ADMIN_KEY}):
        response = requests.post(
            live.url + path,
            data=body.encode("utf-8", "surrogatepass"),
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        )
        check(response, f"POST {path} {body[:80]!r} -> {response.text[:200]}")


def test_bodies_over_the_cap_are_413_on_every_operation(live: LiveServer) -> None:
    for method, path, _, _ in operations_of(live):
        response = requests.request(
            method, live.url + path, data=b"a=1&" * (MIB // 4 + 1), timeout=10
        )
        check(response, f"{method} {path} with a body over 1 MiB")
        if "{" not in path:  # a route, not a 404 on a templated path
            assert response.status_code == 413, (method, path)


def test_the_ledger_balances_after_the_fuzzing(live: LiveServer) -> None:
    request = urllib.request.Request(live.url + "/admin/ledger", headers={"X-ADMIN-KEY": ADMIN_KEY})
    with urllib.request.urlopen(request, timeout=10) as answer:
        state = json.loads(answer.read())
    assert state["balanced"] is True
    assert state["journalSeq"] > 100  # signed calls reached the engine, accepted or refused
