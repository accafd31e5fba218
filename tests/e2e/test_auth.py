"""Who gets in, against a real ``liquidator serve``: replays refused across restarts, Ed25519
keys, a private database file, the admin key kept out of the process list and the output, and
system accounts kept from ``keys create``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.e2e.conftest import LiveServer, free_port, start_server

LIQUIDATOR = Path(sys.executable).parent / "liquidator"
ORDER: dict[str, Any] = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01",
    "price": "59000",
}
SIMULATED_START_MS = 1_700_000_000_000


def request(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    """Send one request; return the status, the JSON body and the headers, errors included."""
    call = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def admin(server: LiveServer, path: str, **params: str) -> Any:
    status, body, _ = request(
        f"{server.url}{path}?{urllib.parse.urlencode(params)}",
        "POST",
        {"X-ADMIN-KEY": server.admin_key},
    )
    assert status == 200, body
    return body


def hmac_query(secret: str, params: dict[str, Any]) -> str:
    text = urllib.parse.urlencode(params)
    return (
        f"{text}&signature={hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()}"
    )


def ed25519_query(private: Ed25519PrivateKey, params: dict[str, Any]) -> str:
    text = urllib.parse.urlencode(params)
    signature = base64.b64encode(private.sign(text.encode())).decode()
    return f"{text}&signature={urllib.parse.quote(signature, safe='')}"


def now_ms() -> int:
    return int(time.time() * 1000)


def stop(server: LiveServer, how: signal.Signals) -> None:
    server.process.send_signal(how)
    server.process.wait(timeout=30)
    if server.process.stderr is not None:
        server.process.stderr.close()


def open_orders(server: LiveServer, key: dict[str, str]) -> list[Any]:
    query = hmac_query(key["secretKey"], {"symbol": "BTCUSDT", "timestamp": now_ms()})
    status, orders, _ = request(
        f"{server.url}/fapi/v1/openOrders?{query}", headers={"X-MBX-APIKEY": key["apiKey"]}
    )
    assert status == 200, orders
    assert isinstance(orders, list)
    return orders


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "stop"])
@pytest.mark.parametrize("clock", ["wall", "simulated"])
def test_an_order_replayed_after_a_restart_is_refused_and_placed_once(
    tmp_path: Path, how: signal.Signals, clock: str
) -> None:
    database = tmp_path / "exchange.sqlite"
    extra = ("--simulated-time", str(SIMULATED_START_MS)) if clock == "simulated" else ()
    # On simulated time timestamps are not checked: an old one shows the log alone refuses.
    timestamp = now_ms() if clock == "wall" else SIMULATED_START_MS - 3_600_000
    first_server = start_server(database, *extra)
    key = admin(first_server, "/admin/keys", account="alice")
    admin(first_server, "/admin/deposit", account="alice", amount="10000")
    signed = hmac_query(key["secretKey"], ORDER | {"timestamp": timestamp, "recvWindow": 60_000})
    url = f"/fapi/v1/order?{signed}"
    headers = {"X-MBX-APIKEY": key["apiKey"]}
    placed, order, _ = request(first_server.url + url, "POST", headers)
    stop(first_server, how)

    second_server = start_server(database, *extra)
    try:
        replayed, refusal, _ = request(second_server.url + url, "POST", headers)
        orders = open_orders(second_server, key)
    finally:
        stop(second_server, signal.SIGTERM)

    assert placed == 200, order
    assert replayed == 400
    assert refusal == {
        "code": -1022,
        "msg": "Signature for this request was already used (a replay).",
    }
    assert [o["orderId"] for o in orders] == [order["orderId"]]


def test_identical_signed_reads_are_all_answered_by_a_live_server(tmp_path: Path) -> None:
    server = start_server(tmp_path / "exchange.sqlite")
    try:
        key = admin(server, "/admin/keys", account="nautilus")
        query = hmac_query(key["secretKey"], {"timestamp": now_ms()})
        url = f"{server.url}/fapi/v3/positionRisk?{query}"
        statuses = [request(url, headers={"X-MBX-APIKEY": key["apiKey"]})[0] for _ in range(3)]
    finally:
        stop(server, signal.SIGTERM)

    assert statuses == [200, 200, 200]


def keys_create(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LIQUIDATOR), "keys", "create", "--db", str(database), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_ed25519_key_from_keys_create_signs_through_the_http_api(tmp_path: Path) -> None:
    database = tmp_path / "exchange.sqlite"
    private = Ed25519PrivateKey.generate()
    pem = tmp_path / "erin.pem"
    pem.write_bytes(
        private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    created = keys_create(database, "--account", "erin", "--ed25519-public-key", str(pem))
    key = json.loads(created.stdout)
    server = start_server(database)
    try:
        admin(server, "/admin/deposit", account="erin", amount="10000")
        headers = {"X-MBX-APIKEY": key["apiKey"]}
        order_url = (
            f"{server.url}/fapi/v1/order?{ed25519_query(private, ORDER | {'timestamp': now_ms()})}"
        )
        placed = request(order_url, "POST", headers)
        replayed = request(order_url, "POST", headers)
        balance = request(
            f"{server.url}/fapi/v2/balance?{ed25519_query(private, {'timestamp': now_ms()})}",
            headers=headers,
        )
    finally:
        stop(server, signal.SIGTERM)

    assert created.returncode == 0, created.stderr
    assert key["keyType"] == "ED25519"
    assert "secretKey" not in key
    assert placed[0] == 200, placed[1]
    assert replayed[1]["code"] == -1022
    assert balance[0] == 200
    assert any(row["asset"] == "USDT" for row in balance[1])


def test_keys_create_adds_a_key_a_running_server_accepts(tmp_path: Path) -> None:
    database = tmp_path / "exchange.sqlite"
    server = start_server(database)
    try:
        created = keys_create(database, "--account", "late")
        key = json.loads(created.stdout) if created.returncode == 0 else {}
        status = open_orders(server, key) if key else None
    finally:
        stop(server, signal.SIGTERM)

    assert created.returncode == 0, created.stderr
    assert status == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite"
    made_by_keys = tmp_path / "keys.sqlite"
    old = tmp_path / "old.sqlite"
    keys_create(old, "--account", "alice")
    for name in (old, Path(f"{old}-wal"), Path(f"{old}-shm")):
        if name.exists():
            name.chmod(0o644)  # as an earlier liquidator left it

    created = keys_create(made_by_keys, "--account", "alice")
    servers = [start_server(fresh), start_server(old)]
    try:
        for server in servers:
            admin(server, "/admin/keys", account="bob")
        files = [
            p
            for base in (fresh, old)
            for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm"))
            if p.exists()
        ]
        modes = {p.name: mode(p) for p in [*files, made_by_keys]}
    finally:
        for server in servers:
            stop(server, signal.SIGTERM)

    assert created.returncode == 0, created.stderr
    assert {f"{fresh.name}-wal", f"{old.name}-wal"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600)


def serve(database: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``liquidator serve`` with ``args`` and, of the admin key's sources, only ``env``'s."""
    environment = {k: v for k, v in os.environ.items() if k != "LIQUIDATOR_ADMIN_KEY"}
    return subprocess.Popen(
        [str(LIQUIDATOR), "serve", "--db", str(database), "--port", str(free_port()), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment | (env or {}),
    )


def started(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait until the server answers; return what it wrote up to its start line, and its URL."""
    assert process.stderr is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("liquidator exchange on"):
        line = process.stderr.readline()
        assert line, f"the server exited: {''.join(lines)}"
        lines.append(line)
    url = lines[-1].split()[3]
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/fapi/v1/ping", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return "".join(lines), url


@pytest.mark.parametrize("source", ["environment", "file"])
def test_the_admin_key_from_the_environment_or_a_file_works_and_is_never_printed(
    tmp_path: Path, source: str
) -> None:
    secret_key = "s3cret-admin-key-from-" + source
    key_file = tmp_path / "admin.key"
    key_file.write_text(f"{secret_key}\nsecond line ignored\n")
    if source == "environment":
        process = serve(tmp_path / "db.sqlite", env={"LIQUIDATOR_ADMIN_KEY": secret_key})
    else:
        process = serve(tmp_path / "db.sqlite", "--admin-key-file", str(key_file))
    output, url = started(process)
    try:
        allowed = request(f"{url}/admin/ledger", headers={"X-ADMIN-KEY": secret_key})[0]
        refused = request(f"{url}/admin/ledger", headers={"X-ADMIN-KEY": "guess"})[0]
    finally:
        process.terminate()
        rest = process.communicate(timeout=30)[1]

    assert allowed == 200
    assert refused == 401
    assert secret_key not in output + rest
    assert "warning" not in output


def test_an_admin_key_on_the_command_line_warns_and_is_not_echoed(tmp_path: Path) -> None:
    process = serve(tmp_path / "db.sqlite", "--admin-key", "visible-admin-key-123")
    output, _ = started(process)
    process.terminate()
    rest = process.communicate(timeout=30)[1]

    warnings = [line for line in output.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "process list" in warnings[0]
    assert "visible-admin-key-123" not in output + rest


def test_a_drawn_admin_key_is_printed(tmp_path: Path) -> None:
    process = serve(tmp_path / "db.sqlite")
    output, url = started(process)
    drawn = output.split("admin key ")[1].strip()
    try:
        allowed = request(f"{url}/admin/ledger", headers={"X-ADMIN-KEY": drawn})[0]
    finally:
        process.terminate()
        process.communicate(timeout=30)

    assert allowed == 200


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--admin-key", "abc", "--admin-key-file", "x"], "give one of them"),
        (["--admin-key-file", "/nonexistent/admin.key"], "--admin-key-file: cannot read"),
        (["--admin-key", "   "], "--admin-key: the admin key must be"),
    ],
)
def test_a_bad_admin_key_option_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    result = subprocess.run(
        [str(LIQUIDATOR), "serve", "--db", str(tmp_path / "db.sqlite"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    errors = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert result.returncode == 2
    assert len(errors) == 1
    assert errors[0].startswith("liquidator: error: ")
    assert needle in errors[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--account", "@market-maker"], "reserved"),
        (["--account", "@insurance:USDT"], "reserved"),
        (["--account", "bad name"], "not a valid account name"),
        (["--account", "erin", "--ed25519-public-key", "/nonexistent.pem"], "cannot read"),
        (["--account", "erin", "--ed25519-public-key", "NOT_PEM"], "not a PEM public key"),
    ],
)
def test_keys_create_refuses_system_accounts_and_bad_keys_in_one_line(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    (tmp_path / "NOT_PEM").write_text("hello")
    args = [str(tmp_path / "NOT_PEM") if a == "NOT_PEM" else a for a in args]

    result = keys_create(tmp_path / "db.sqlite", *args)

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("liquidator: error: ")
    assert needle in result.stderr
