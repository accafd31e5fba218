"""ccxt's ``fetch_premium_index_ohlcv`` against a live server (its own venv): the candles it
parses are the server's ``premiumIndexKlines``, for USDⓈ-M and COIN-M."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, run_story, served

START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
MINUTE_MS = 60_000


def public(server: LiveServer, path: str, **params: Any) -> Any:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{server.url}{path}?{query}", timeout=30) as answer:
        return json.loads(answer.read())


def as_ccxt(row: list[Any]) -> list[Any]:
    """A Binance kline row as ccxt parses it: time, then open, high, low, close, volume."""
    return [row[0], *(float(Decimal(value)) for value in row[1:6])]


def test_ccxt_fetches_the_premium_index_candles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREMIUM_START_MS", str(START_MS))
    with served(tmp_path / "exchange.sqlite", "--simulated-time", str(START_MS)) as server:
        story = run_story("ccxt", "ccxt_premium_story.py", server)
        usdm = public(server, "/fapi/v1/premiumIndexKlines", symbol="BTCUSDT", interval="1m")
        coinm = public(server, "/dapi/v1/premiumIndexKlines", symbol="BTCUSD_PERP", interval="1m")

    assert [row[0] for row in usdm] == [START_MS + n * MINUTE_MS for n in range(4)]
    assert story["usdm"] == [as_ccxt(row) for row in usdm]
    assert story["coinm"] == [as_ccxt(row) for row in coinm]
    assert story["usdm_first_two"] == story["usdm"][:2]
    (five,) = story["usdm_5m"]
    assert five[0] == START_MS
    assert five[2] == max(c[2] for c in story["usdm"])
    assert five[3] == min(c[3] for c in story["usdm"])
    assert all(c[3] > 0 for c in story["usdm"] + story["coinm"])  # index below the quotes
    assert sum(row[8] for row in usdm[1:3]) == 24  # whole minutes: a sample every 5 s
