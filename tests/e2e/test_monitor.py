"""``liquidator monitor`` against a live ``liquidator serve``, in real processes.

A position opened with a real client (binance-futures-connector, signed REST orders), the
monitor attached as a subprocess, the mark moved toward liquidation through the admin API; the
listen key closed under the monitor; the server killed and started again on the same journal
and port; a wrong key.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from binance.um_futures import UMFutures

from tests.e2e.conftest import ADMIN_KEY, LiveServer, free_port

LIQUIDATOR = Path(sys.executable).parent / "liquidator"


def serve(database: Path, port: int) -> LiveServer:
    """Start ``liquidator serve`` on ``port`` (prices only from the admin API)."""
    process = subprocess.Popen(
        [str(LIQUIDATOR), "serve", "--db", str(database), "--port", str(port), "--admin-key",
         ADMIN_KEY, "--no-price-walk", "--mark-source", "feed"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(url + "/fapi/v1/ping", timeout=1):
                return LiveServer(url, ADMIN_KEY, process)  # type: ignore[arg-type]
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer within 30 s")


def stop(server: LiveServer, how: signal.Signals = signal.SIGTERM) -> None:
    server.process.send_signal(how)
    server.process.wait(timeout=15)


def admin(server: LiveServer, path: str, **params: str) -> Any:
    request = urllib.request.Request(
        f"{server.url}{path}?{urllib.parse.urlencode(params)}",
        method="POST",
        headers={"X-ADMIN-KEY": server.admin_key},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def move_mark(server: LiveServer, symbol: str, price: str) -> None:
    admin(server, "/admin/price", symbol=symbol, mark=price, index=price)


class Monitor:
    """``liquidator monitor --json`` as a subprocess; its lines read in a thread."""

    def __init__(self, server: LiveServer, key: dict[str, str], *options: str) -> None:
        env = os.environ | {
            "BINANCE_API_KEY": key["apiKey"],
            "BINANCE_API_SECRET": key["secretKey"],
        }
        self.process = subprocess.Popen(
            [str(LIQUIDATOR), "monitor", "--base-url", server.url, "--json", *options],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for text in self.process.stdout:
            self.lines.put(json.loads(text))

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        self.errors.extend(self.process.stderr)

    def wait(self, match: Callable[[dict[str, Any]], bool], seconds: float = 20) -> dict[str, Any]:
        """Return the first line (from now on) that ``match``es."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no such line; seen {self.seen[-5:]}; stderr {self.errors}"
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(line)
            if match(line):
                return line

    def wait_status(self, text: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.errors):
            assert time.monotonic() < deadline, f"no {text!r} in {self.errors}"
            time.sleep(0.05)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


class Webhook:
    """A local HTTP server that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kinds(self) -> list[str]:
        return [alert["alert"] for alert in self.received]

    def titles(self) -> list[str]:
        return [body["title"] for body in self.received]


def eventually(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


Exchange = tuple[LiveServer, dict[str, str], UMFutures]


@pytest.fixture
def exchange(tmp_path: Path) -> Iterator[Exchange]:
    """A live server, and a trader with 2000 USDT and a key, as a client sees it."""
    server = serve(tmp_path / "exchange.sqlite", free_port())
    try:
        key = admin(server, "/admin/keys", account="trader")
        admin(server, "/admin/deposit", account="trader", amount="2000")
        yield server, key, UMFutures(key["apiKey"], key["secretKey"], base_url=server.url)
    finally:
        if server.process.poll() is None:
            stop(server)


def is_position(symbol: str, **fields: str) -> Callable[[dict[str, Any]], bool]:
    return lambda line: (
        line.get("symbol") == symbol
        and "alert" not in line
        and all(line.get(name) == value for name, value in fields.items())
    )


def test_monitor_alerts_before_and_at_a_liquidation_with_the_server_s_prices(
    exchange: Exchange,
) -> None:
    server, key, client = exchange
    client.change_margin_type(symbol="BTCUSDT", marginType="ISOLATED")
    client.change_leverage(symbol="BTCUSDT", leverage=20)
    client.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    client.change_leverage(symbol="ETHUSDT", leverage=10)
    client.new_order(symbol="ETHUSDT", side="SELL", type="MARKET", quantity="1")
    webhook, chat = Webhook(), Webhook()  # chat: apprise's json:// service posts there
    chat_url = chat.url.replace("http://", "json://")
    monitor = Monitor(
        server, key, "--alert-margin-ratio", "50", "--webhook", webhook.url, "--notify", chat_url
    )
    try:
        first = {symbol: monitor.wait(is_position(symbol)) for symbol in ("BTCUSDT", "ETHUSDT")}
        for row in client.get_position_risk():
            line = first[row["symbol"]]
            assert line["binanceLiquidationPrice"] == f"{Decimal(row['liquidationPrice']):.8f}"
            assert abs(
                Decimal(line["liquidationPrice"]) - Decimal(row["liquidationPrice"])
            ) < Decimal("1e-6")
            assert line["liquidationPriceDiffers"] is False
            assert line["positionAmt"] == f"{Decimal(row['positionAmt']):.8f}"
        btc = first["BTCUSDT"]
        assert btc["marginType"] == "isolated"
        assert Decimal(btc["bankruptcyPrice"]) < Decimal(btc["liquidationPrice"]) < Decimal("60000")

        move_mark(server, "BTCUSDT", "57350")  # margin ratio 67%: the alert, no liquidation
        alert = monitor.wait(lambda line: line.get("alert") == "MARGIN_RATIO")
        assert alert["symbol"] == "BTCUSDT"
        assert Decimal(alert["marginRatio"]) > Decimal("0.5")
        eventually(lambda: bool(webhook.received))
        assert webhook.kinds() == ["MARGIN_RATIO"]

        move_mark(server, "BTCUSDT", "57000")  # past the liquidation price
        liquidated = monitor.wait(lambda line: line.get("alert") == "LIQUIDATION")
        assert liquidated["symbol"] == "BTCUSDT"
        assert liquidated["executedQty"] == "0.10000000"
        monitor.wait(is_position("BTCUSDT", positionAmt="0"))
        eventually(lambda: "LIQUIDATION" in webhook.kinds())
        assert webhook.kinds()[0] == "MARGIN_RATIO"
        eventually(lambda: "liquidator: LIQUIDATION" in chat.titles())
        assert chat.titles()[0] == "liquidator: MARGIN_RATIO"
    finally:
        monitor.close()
        for hook in (webhook, chat):
            hook.server.shutdown()
            hook.server.server_close()


def test_monitor_opens_a_new_listen_key_when_its_key_is_closed(exchange: Exchange) -> None:
    server, key, client = exchange
    client.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    monitor = Monitor(server, key, "--keepalive", "1", "--refresh", "600")
    try:
        monitor.wait(is_position("BTCUSDT"))
        shared = client.new_listen_key()["listenKey"]  # one key per account: the monitor's
        client.close_listen_key(shared)
        monitor.wait_status("the listen key expired or was closed")
        monitor.wait_status("reconnected; resynchronised from REST")
        client.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
        line = monitor.wait(is_position("BTCUSDT", positionAmt="0.02000000"))
        assert line["marginType"] == "cross"
    finally:
        monitor.close()


def test_monitor_reconnects_to_a_restarted_server_and_resumes(
    exchange: Exchange, tmp_path: Path
) -> None:
    server, key, client = exchange
    client.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    monitor = Monitor(server, key)
    port = int(server.url.rsplit(":", 1)[1])
    try:
        monitor.wait(is_position("BTCUSDT"))
        stop(server, signal.SIGKILL)
        monitor.wait_status("connection lost")
        again = serve(tmp_path / "exchange.sqlite", port)
        try:
            monitor.wait_status("reconnected; resynchronised from REST", seconds=60)
            move_mark(again, "BTCUSDT", "59000")
            line = monitor.wait(is_position("BTCUSDT", markPrice="59000.00000000"))
            assert line["positionAmt"] == "0.01000000"
        finally:
            stop(again)
    finally:
        monitor.close()


def test_a_wrong_key_is_one_line_and_exit_status_2(exchange: Exchange) -> None:
    server, key, _ = exchange
    env = os.environ | {"BINANCE_API_KEY": "not-a-key", "BINANCE_API_SECRET": key["secretKey"]}

    result = subprocess.run(
        [str(LIQUIDATOR), "monitor", "--base-url", server.url],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("liquidator: error: the exchange refused the request:")
    assert key["secretKey"] not in result.stderr
