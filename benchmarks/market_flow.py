"""The market a venue makes by itself: seeded history at start, klines served, the flow's cost.

1. ``liquidator serve --history DAYS`` on a fresh journal: wall time from the process's start
   to its first answer (the history is written before it serves), against ``--history 0``.
2. ``GET /fapi/v1/klines?limit=1500`` on that server, sequentially: p50/p99/max latency.
3. The flow in process (``app.flow``: order generation and ``LiveExchange.submit`` with the
   SQLite journal and histories): CPU time per order, and the share of one core at the
   ``calm`` and ``busy`` rates (orders a second = rate x symbols / 60).

Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.clock import SimulatedClock
from liquidator.app.exchange import Exchange
from liquidator.app.flow import PRESETS, Flow, FlowConfig
from liquidator.app.live_exchange import LiveExchange
from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.money.fixed import Price

ADMIN_KEY = "benchmark-admin-key-0123456789"
START_MS = 1_796_000_000_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_serve(folder: Path, days: float) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start ``serve`` on a fresh journal; return it, its URL and the seconds to answering."""
    port = free_port()
    script = Path(sys.executable).parent / "liquidator"
    began = time.perf_counter()
    process = subprocess.Popen(
        [
            *(str(script), "serve", "--db", str(folder / f"history-{days}.sqlite")),
            *("--port", str(port), "--admin-key", ADMIN_KEY),
            *("--history", str(days), "--flow", "none"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - began < 60:
        try:
            with urllib.request.urlopen(url + "/fapi/v1/ping", timeout=1):
                return process, url, time.perf_counter() - began
        except OSError:
            time.sleep(0.01)
    process.kill()
    raise SystemExit("the server did not answer within 60 s")


def klines_latency(url: str, requests: int) -> tuple[list[float], int]:
    query = "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=1500"
    times, rows = [], 0
    for _ in range(requests):
        began = time.perf_counter()
        with urllib.request.urlopen(url + query, timeout=10) as answer:
            rows = len(json.loads(answer.read()))
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times), rows


def flow_cost(folder: Path, seconds: int, rate: float) -> tuple[int, float]:
    """Run ``seconds`` slots of the flow at ``rate``; return the orders and CPU seconds."""
    path = folder / "flow.sqlite"
    config = VenueConfig(market_maker=MarketMakerConfig(), mark_source=PriceSource.FEED)
    clock = SimulatedClock(START_MS)
    live = LiveExchange(
        Exchange.open(bundled_market(), config, SqliteJournal(path)),
        clock,
        SqliteHistory.open(path),
    )
    for symbol, price in (("BTCUSDT", "60000"), ("ETHUSDT", "3000")):
        live.submit(SetIndexPrice(symbol, Price.of(price)))
        live.submit(SetMarkPrice(symbol, Price.of(price)))
    flow = Flow(FlowConfig(trades_per_minute=rate, seed=7))
    for command in flow.setup(live.venue):
        live.submit(command)
    orders, began = 0, time.process_time()
    for _ in range(seconds):
        clock.advance(1_000)
        for order in flow.orders(live.venue, live.now_ms()):
            live.submit(order)
            orders += 1
    spent = time.process_time() - began
    live.close()
    return orders, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--flow-seconds", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        bare, _, bare_s = start_serve(folder, 0)
        bare.terminate()
        bare.wait(timeout=30)
        server, url, start_s = start_serve(folder, args.days)
        try:
            times, rows = klines_latency(url, args.requests)
        finally:
            server.terminate()
            server.wait(timeout=30)
        orders, cpu_s = flow_cost(folder, args.flow_seconds, PRESETS["busy"])
    per_order_ms = cpu_s * 1000 / max(1, orders)
    symbols = 2
    share = {
        name: PRESETS[name] * symbols / 60 * per_order_ms / 1000 * 100 for name in ("calm", "busy")
    }
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{'measure':<44}{'value':>14}")
    print(f"{'serve start, --history 0 (s)':<44}{bare_s:>14.2f}")
    print(f"{f'serve start, --history {args.days:g} (s, 2 symbols)':<44}{start_s:>14.2f}")
    print(f"{'klines limit=1500: rows':<44}{rows:>14}")
    print(f"{'klines limit=1500: p50 (ms)':<44}{statistics.median(times):>14.2f}")
    print(f"{'klines limit=1500: p99 (ms)':<44}{p99:>14.2f}")
    print(f"{'klines limit=1500: max (ms)':<44}{times[-1]:>14.2f}")
    print(f"{'flow: orders run':<44}{orders:>14}")
    print(f"{'flow: CPU per order (ms)':<44}{per_order_ms:>14.3f}")
    print(f"{'flow calm (6/min/symbol): % of a core':<44}{share['calm']:>14.3f}")
    print(f"{'flow busy (60/min/symbol): % of a core':<44}{share['busy']:>14.3f}")
    headline = {
        "benchmark": "market_flow",
        "history_days": args.days,
        "start_s_history": round(start_s, 3),
        "start_s_bare": round(bare_s, 3),
        "klines_rows": rows,
        "klines_p50_ms": round(statistics.median(times), 3),
        "klines_p99_ms": round(p99, 3),
        "flow_orders": orders,
        "flow_cpu_ms_per_order": round(per_order_ms, 4),
        "flow_calm_core_pct": round(share["calm"], 4),
        "flow_busy_core_pct": round(share["busy"], 4),
        "compiled_core": os.environ.get("LIQUIDATOR_PURE_PYTHON") != "1",
    }
    print(json.dumps(headline))


if __name__ == "__main__":
    main()
