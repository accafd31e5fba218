"""An idle ``serve`` is a market: past candles at start, trades without a client, and a restart
that goes on with the same market (the same seeded past, the flow's orders replayed)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.e2e.conftest import LiveServer, start_server, stop_server

FLAGS = ("--flow", "busy", "--history", "2")
LIQUIDATOR = Path(sys.executable).parent / "liquidator"


def get(live: LiveServer, path: str) -> Any:
    with urllib.request.urlopen(live.url + path, timeout=10) as answer:
        return json.loads(answer.read())


def stop(live: LiveServer) -> None:
    stop_server(live, 30)


def trades_within(live: LiveServer, seconds: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        trades: list[dict[str, Any]] = get(live, "/fapi/v1/trades?symbol=BTCUSDT&limit=1000")
        if trades:
            return trades
        time.sleep(0.5)
    return []


def test_an_idle_venue_has_candles_at_start_trades_by_itself_and_restarts_the_same(
    tmp_path: Path,
) -> None:
    database = tmp_path / "exchange.sqlite"
    live = start_server(database, *FLAGS)
    try:
        candles = get(live, "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500")
        marks = get(live, "/fapi/v1/markPriceKlines?symbol=BTCUSDT&interval=1m&limit=1500")
        day = get(live, "/fapi/v1/ticker/24hr?symbol=BTCUSDT")
        first = trades_within(live, 20)
        oldest = get(live, "/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=0&limit=3")
    finally:
        stop(live)
    again = start_server(database, *FLAGS)
    try:
        oldest_again = get(again, "/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=0&limit=3")
        later = get(again, "/fapi/v1/trades?symbol=BTCUSDT&limit=1000")
    finally:
        stop(again)
    verified = subprocess.run(
        [str(LIQUIDATOR), "journal", "verify", str(database)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert len(candles) == len(marks) == 1500
    assert float(day["volume"]) > 0
    assert first, "no trade within 20 s of an idle start"
    assert oldest_again == oldest  # the seeded past is written once
    assert {t["id"] for t in first} <= {t["id"] for t in later}  # the same market goes on
    assert verified.returncode == 0, verified.stdout + verified.stderr
