"""A restarted ``liquidator serve`` answers every history query as it did before, to the byte.

The histories live in the journal's file: a clean stop writes them, a SIGKILL leaves them
behind their journal, and the restart catches them up from the journal's records. Either way
``allOrders``, ``userTrades``, ``income``, ``forceOrders``, klines, trades and the rest are
what they were. The server runs on simulated time so that nothing moves between the queries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ADMIN_KEY, LiveServer, start_server

START_MS = 1_704_067_201_000  # 2024-01-01 00:00:01 UTC
SYMBOL = "BTCUSDT"


class Venue:
    """A server on simulated time, with the keys of its accounts."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.live = self.start()
        self.keys: dict[str, dict[str, str]] = {}

    def start(self) -> LiveServer:
        return start_server(self.database, "--simulated-time", str(START_MS))

    def stop(self, how: signal.Signals) -> None:
        self.live.process.send_signal(how)
        try:
            self.live.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.live.process.kill()
            self.live.process.wait(timeout=10)
        if self.live.process.stderr is not None:
            self.live.process.stderr.close()

    def restart(self, how: signal.Signals) -> None:
        self.stop(how)
        self.live = self.start()

    def admin(self, method: str, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params)
        request = urllib.request.Request(
            f"{self.live.url}{path}?{query}", method=method, headers={"X-ADMIN-KEY": ADMIN_KEY}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def open(self, account: str, deposit: str) -> None:
        self.keys[account] = self.admin("POST", "/admin/keys", account=account)
        self.admin("POST", "/admin/deposit", account=account, amount=deposit)

    def signed(self, account: str, method: str, path: str, **params: Any) -> Any:
        key = self.keys[account]
        query = urllib.parse.urlencode({**params, "timestamp": START_MS})
        signature = hmac.new(key["secretKey"].encode(), query.encode(), hashlib.sha256)
        request = urllib.request.Request(
            f"{self.live.url}{path}?{query}&signature={signature.hexdigest()}",
            method=method,
            headers={"X-MBX-APIKEY": key["apiKey"]},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def public(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.live.url}{path}?{query}", timeout=30) as answer:
            return json.loads(answer.read())

    def order(self, account: str, **params: Any) -> Any:
        return self.signed(account, "POST", "/fapi/v1/order", symbol=SYMBOL, **params)

    def later(self, ms: int) -> None:
        self.admin("POST", "/admin/time", ms=ms)


def trade_and_liquidate(venue: Venue) -> None:
    """Resting, cancelled and filled orders over several minutes, then a crash that liquidates."""
    venue.admin("POST", "/admin/price", symbol=SYMBOL, index="60000", mark="60000")
    venue.open("alice", "1000")
    venue.open("bob", "100000")
    venue.signed("alice", "POST", "/fapi/v1/leverage", symbol=SYMBOL, leverage=20)
    limit = {"type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01"}
    venue.order("alice", side="BUY", price="59000", newClientOrderId="a-gone", **limit)
    venue.signed("alice", "DELETE", "/fapi/v1/order", symbol=SYMBOL, origClientOrderId="a-gone")
    venue.order("alice", side="BUY", price="58000", newClientOrderId="a-rest", **limit)
    venue.order("alice", side="BUY", type="MARKET", quantity="0.25", newClientOrderId="a-long")
    venue.later(61_000)
    venue.order("bob", side="SELL", type="MARKET", quantity="0.05")
    venue.order("bob", side="BUY", type="MARKET", quantity="0.02")
    venue.later(3_600_000)
    venue.admin("POST", "/admin/crash", symbol=SYMBOL, percent="-8", steps=4)
    venue.later(90_000)


def answers(venue: Venue) -> dict[str, Any]:
    """Every history answer of both accounts, and the public ones."""
    found: dict[str, Any] = {}
    for account in ("alice", "bob"):
        for path in ("allOrders", "userTrades"):
            found[f"{account} {path}"] = venue.signed(
                account, "GET", f"/fapi/v1/{path}", symbol=SYMBOL, limit=1000
            )
        found[f"{account} income"] = venue.signed(account, "GET", "/fapi/v1/income", limit=1000)
        found[f"{account} forceOrders"] = venue.signed(account, "GET", "/fapi/v1/forceOrders")
        for order in found[f"{account} allOrders"]:
            found[f"{account} order {order['orderId']}"] = venue.signed(
                account, "GET", "/fapi/v1/order", symbol=SYMBOL, orderId=order["orderId"]
            )
    found["alice a-rest"] = venue.signed(
        "alice", "GET", "/fapi/v1/order", symbol=SYMBOL, origClientOrderId="a-rest"
    )
    for interval in ("1m", "1h", "1d"):
        found[f"klines {interval}"] = venue.public(
            "/fapi/v1/klines", symbol=SYMBOL, interval=interval
        )
        found[f"mark klines {interval}"] = venue.public(
            "/fapi/v1/markPriceKlines", symbol=SYMBOL, interval=interval
        )
    for path in ("trades", "aggTrades", "ticker/24hr", "fundingRate"):
        found[path] = venue.public(f"/fapi/v1/{path}", symbol=SYMBOL)
    found["insurance"] = venue.admin("GET", "/admin/insurance")
    return found


def stored(database: Path) -> dict[str, int]:
    """Count what the journal's file holds: its last record, and the history rows beside it."""
    with closing(sqlite3.connect(database)) as connection:
        return {
            name: connection.execute(sql).fetchone()[0]
            for name, sql in (
                ("journal", "SELECT MAX(seq) FROM journal"),
                ("checkpoint", "SELECT applied_seq FROM history_checkpoint"),
                ("orders", "SELECT COUNT(*) FROM history_orders"),
                ("force orders", "SELECT COUNT(*) FROM history_force_orders"),
            )
        }


def test_every_history_answer_survives_a_clean_restart_and_a_sigkill(tmp_path: Path) -> None:
    venue = Venue(tmp_path / "venue.sqlite")
    try:
        trade_and_liquidate(venue)
        before = answers(venue)
        venue.stop(signal.SIGTERM)
        written = stored(venue.database)
        venue.live = venue.start()
        after_stop = answers(venue)
        venue.order("bob", side="SELL", type="MARKET", quantity="0.03")
        venue.later(30_000)
        again = answers(venue)
        venue.restart(signal.SIGKILL)  # the histories are behind their journal: caught up
        after_kill = answers(venue)
    finally:
        venue.stop(signal.SIGTERM)

    assert len(before["alice forceOrders"]) == 1  # the crash liquidated alice
    assert len(before["alice allOrders"]) >= 4
    assert before["alice a-rest"]["status"] == "EXPIRED"  # the liquidation took it out
    assert len(before["klines 1m"]) >= 2
    assert written["checkpoint"] == written["journal"]  # a clean stop writes every history
    orders = len(before["alice allOrders"]) + len(before["bob allOrders"])
    assert (written["orders"], written["force orders"]) == (orders, 1)
    assert after_stop == before
    assert again != before  # bob's new trade moved the histories on
    assert after_kill == again
