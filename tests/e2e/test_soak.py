"""Soak: signed orders and WebSocket subscribers against a server SIGKILLed at random moments.

A writer thread places signed orders (resting limits and market orders that trade with the
built-in market maker), each with its own client order id, and remembers every one the server
acknowledged. Subscribers hold depth, trade and user-data streams open. Every few seconds the
server is killed with SIGKILL and started again on the same database. At the end:

* every acknowledged order is in ``allOrders`` with the id it was acknowledged with, once;
* no client order id appears twice (nothing ran twice);
* the ledger sums to zero per asset (``/admin/ledger``), and the journal verifies end to end.

``LIQUIDATOR_SOAK_SECONDS`` sets the length (CI runs the default: two minutes, 20 to 60 kills).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from tests.e2e.conftest import LiveServer, start_server

SOAK_SECONDS = float(os.environ.get("LIQUIDATOR_SOAK_SECONDS", "120"))
KILL_EVERY_S = (2.0, 6.0)


@dataclass
class Ledger:
    """What the writer was told: client order id -> order id, for acknowledged orders."""

    acknowledged: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    lost_connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Target:
    """The server of the moment (replaced at each restart)."""

    live: LiveServer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self) -> str:
        with self.lock:
            return self.live.url


def admin(url: str, path: str, **params: str) -> Any:
    request = urllib.request.Request(
        f"{url}{path}?{urllib.parse.urlencode(params)}",
        method="POST",
        headers={"X-ADMIN-KEY": "e2e-admin-key-0123456789"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def signed(url: str, key: dict[str, str], method: str, path: str, **params: Any) -> Any:
    params["timestamp"] = int(time.time() * 1000)
    params["recvWindow"] = 60_000
    query = urllib.parse.urlencode(params)
    secret = key["secretKey"].encode()
    signature = hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{url}{path}?{query}&signature={signature}",
        method=method,
        headers={"X-MBX-APIKEY": key["apiKey"]},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def order_params(rng: random.Random, client_id: str) -> dict[str, Any]:
    """A resting limit buy far below the mark, or a small market order that trades."""
    params: dict[str, Any] = {"symbol": "BTCUSDT", "newClientOrderId": client_id}
    if rng.random() < 0.7:
        price = 40_000 + rng.randrange(0, 5_000)
        params |= {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": str(price)}
        params["quantity"] = "0.003"  # above the 100 USDT minimum notional
    else:
        params |= {"side": rng.choice(("BUY", "SELL")), "type": "MARKET", "quantity": "0.002"}
    return params


def write_orders(
    target: Target, key: dict[str, str], ledger: Ledger, stop: threading.Event
) -> None:
    rng = random.Random(11)
    count = 0
    while not stop.is_set():
        count += 1
        client_id = f"soak-{count}"
        try:
            answer = signed(
                target.url(), key, "POST", "/fapi/v1/order", **order_params(rng, client_id)
            )
        except urllib.error.HTTPError as error:
            error.close()
            with ledger.lock:
                ledger.refused += 1  # a Binance error: the order was not acknowledged
            continue
        except OSError:
            with ledger.lock:
                ledger.lost_connections += 1  # killed mid-request: not acknowledged either
            time.sleep(0.05)
            continue
        with ledger.lock:
            assert client_id not in ledger.acknowledged
            ledger.acknowledged[client_id] = int(answer["orderId"])


def subscribe(target: Target, key: dict[str, str], stop: threading.Event, seen: list[int]) -> None:
    """Hold a combined stream open (reconnecting after each kill) and count its messages."""
    while not stop.is_set():
        try:
            listen = signed(target.url(), key, "POST", "/fapi/v1/listenKey")
            ws_url = target.url().replace("http", "ws", 1)
            streams = f"btcusdt@depth@100ms/btcusdt@aggTrade/{listen['listenKey']}"
            with connect(f"{ws_url}/stream?streams={streams}", open_timeout=5) as socket:
                while not stop.is_set():
                    socket.recv(timeout=2)
                    seen[0] += 1
        except Exception:  # the server was killed: reconnect to the next one
            time.sleep(0.1)


def restart(database: Path, target: Target) -> None:
    with target.lock:
        target.live.process.send_signal(signal.SIGKILL)
        target.live.process.wait(timeout=10)
        if target.live.process.stderr is not None:
            target.live.process.stderr.close()
        target.live = start_server(database)


def all_orders(url: str, key: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    from_id = 1
    while True:
        page = signed(
            url, key, "GET", "/fapi/v1/allOrders", symbol="BTCUSDT", orderId=from_id, limit=1000
        )
        found += page
        if len(page) < 1000:
            return found
        from_id = int(page[-1]["orderId"]) + 1


def test_acknowledged_orders_survive_random_sigkills_once_each(tmp_path: Path) -> None:
    database = tmp_path / "soak.sqlite"
    target = Target(start_server(database))
    key = admin(target.url(), "/admin/keys", account="soaker")
    admin(target.url(), "/admin/deposit", account="soaker", amount="1000000")
    ledger, stop, seen = Ledger(), threading.Event(), [0]
    threads = [threading.Thread(target=write_orders, args=(target, key, ledger, stop))]
    threads += [
        threading.Thread(target=subscribe, args=(target, key, stop, seen)) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    rng, kills = random.Random(5), 0
    deadline = time.monotonic() + SOAK_SECONDS
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(*KILL_EVERY_S))
            restart(database, target)
            kills += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    try:
        orders = all_orders(target.url(), key)
        ledger_answer = _ledger(target.url())
    finally:
        target.live.process.terminate()
        target.live.process.wait(timeout=30)
        if target.live.process.stderr is not None:
            target.live.process.stderr.close()
    by_client: dict[str, list[int]] = {}
    for order in orders:
        by_client.setdefault(order["clientOrderId"], []).append(int(order["orderId"]))
    assert kills >= 3
    assert len(ledger.acknowledged) > 50, ledger
    assert seen[0] > 0, "no subscriber received anything"
    missing = {c: i for c, i in ledger.acknowledged.items() if by_client.get(c) != [i]}
    assert not missing, f"acknowledged orders lost or changed: {list(missing.items())[:5]}"
    assert all(len(ids) == 1 for ids in by_client.values()), "an order ran twice"
    assert ledger_answer["balanced"] is True, ledger_answer
    verify = subprocess.run(
        [str(Path(sys.executable).parent / "liquidator"), "journal", "verify", str(database)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr


def _ledger(url: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/admin/ledger", headers={"X-ADMIN-KEY": "e2e-admin-key-0123456789"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result
