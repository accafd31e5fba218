"""``liquidator serve --price-file``: a recorded crash drives the index of a live server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

from liquidator.adapters.marketdata.klines import read_klines
from liquidator.core.pricing.kline_path import kline_path
from tests.conftest import SHARED
from tests.e2e.conftest import start_server

CRASH = SHARED / "data/binance-crash/BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"


def test_a_recorded_kline_file_moves_the_index_along_its_path(tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "exchange.sqlite", "--price-file", str(CRASH), "--price-speed", "600"
    )
    try:
        seen: list[Decimal] = []
        deadline = time.time() + 20
        while time.time() < deadline and len(set(seen)) < 6:
            with urllib.request.urlopen(server.url + "/fapi/v1/premiumIndex?symbol=BTCUSDT") as r:
                seen.append(Decimal(json.loads(r.read())["indexPrice"]))
            time.sleep(0.05)
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
        if server.process.stderr is not None:
            server.process.stderr.close()

    # every index seen is a point of the file's open-high/low-close paths, to the 0.1 tick
    points = {
        (Decimal(raw) / 10**8).quantize(Decimal("0.1"), rounding="ROUND_FLOOR")
        for bar in read_klines(CRASH)
        for _, raw in kline_path(bar.open_ms, 60_000, (bar.open, bar.high, bar.low, bar.close))
    }
    moved = [price for price in seen if price != Decimal("60000")]
    assert len(set(moved)) >= 5
    assert set(moved) <= points


def test_serve_refuses_an_unusable_database_in_one_line(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite"
    foreign.write_text("not a database")
    script = Path(sys.executable).parent / "liquidator"
    result = subprocess.run(
        [str(script), "serve", "--db", str(foreign)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 2
    assert result.stderr.startswith("liquidator: error: --db:")
    assert "Traceback" not in result.stderr
