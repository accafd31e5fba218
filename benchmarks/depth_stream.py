"""Benchmark: the diff depth stream delivered to 1,000 subscribers while the book changes.

Issue 15's target on this 2-core machine: p99 delivery under 100 ms to 1,000 subscribers of
``btcusdt@depth@100ms`` at 200 book changes a second. A real ``liquidator serve`` runs in its own
process; a loader places signed GTC orders over the WebSocket API (``/ws-fapi/v1``) at
``--changes`` a second (each rests in the book: one changed level); ``--subscribers``
connections read the stream. Delivery is the receive time less the event's ``E`` (when the
server made it: the wait for the 100 ms tick, by design, is not counted); each subscriber also
checks that every event's ``pu`` is the previous ``u``. Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from api_orders import make_accounts, start_server
from ws_api import order_request

TARGET_SUBSCRIBERS = 1_000
TARGET_P99_MS = 100.0
STREAM = "btcusdt@depth@100ms"


async def subscriber(
    url: str, number: int, stop: asyncio.Event, delays: list[float]
) -> dict[str, int]:
    events = gaps = 0
    previous = None
    source = (f"127.0.1.{1 + number // 50}", 0)  # 50 a loopback address: the server caps at 64
    async with websockets.connect(
        f"{url}/ws/{STREAM}", max_size=None, open_timeout=30, local_addr=source
    ) as socket:
        closer = asyncio.create_task(_close_on(stop, socket))
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in socket:
                event = json.loads(text)
                delays.append(time.time() * 1000 - event["E"])
                if previous is not None and event["pu"] != previous:
                    gaps += 1
                previous = event["u"]
                events += 1
        await closer
    return {"events": events, "gaps": gaps}


async def _close_on(stop: asyncio.Event, socket: Any) -> None:
    await stop.wait()
    await socket.close()


async def loader(url: str, keys: list[tuple[str, str]], rate: float, seconds: float) -> int:
    """Place resting orders at ``rate`` a second; return how many were answered 200."""
    count = int(rate * seconds)
    placed = 0
    async with websockets.connect(f"{url}/ws-fapi/v1", max_size=None) as socket:

        async def answers() -> None:
            nonlocal placed
            for _ in range(count):
                placed += json.loads(await socket.recv()).get("status") == 200

        reading = asyncio.create_task(answers())
        start = time.perf_counter()
        for number in range(count):
            delay = start + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await socket.send(order_request(keys[number % len(keys)], 1_000_000 + number))
        await asyncio.wait_for(reading, 30)
    return placed


async def read_streams(
    url: str, first: int, count: int, seconds: float
) -> tuple[list[float], int, int]:
    """Hold ``count`` subscribers for ``seconds``; return delays (after the first second), gaps
    and how many connected."""
    stop = asyncio.Event()
    delays: list[float] = []
    readers = []
    for number in range(first, first + count):  # in turn: a burst of handshakes is not the test
        readers.append(asyncio.create_task(subscriber(url, number, stop, delays)))
        await asyncio.sleep(0.002)
    await asyncio.sleep(1.0)
    delays.clear()
    await asyncio.sleep(seconds)
    stop.set()
    counts = await asyncio.gather(*readers)
    return delays, sum(c["gaps"] for c in counts), len(counts)


def reader_process(url: str, first: int, count: int, seconds: float, results: Any) -> None:
    results.put(asyncio.run(read_streams(url, first, count, seconds)))


def run(url: str, keys: list[tuple[str, str]], args: argparse.Namespace) -> dict[str, Any]:
    """Readers in ``--processes`` processes (one Python process cannot read 10,000 frames a
    second and measure them fairly); the loader starts once they are connected."""
    ws_url = url.replace("http://", "ws://")
    queue: Any = multiprocessing.Queue()
    share = args.subscribers // args.processes
    connect_s = share * 0.004 + 2.0
    workers = [
        multiprocessing.Process(
            target=reader_process,
            args=(ws_url, n * share, share, connect_s + args.seconds, queue),
        )
        for n in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(connect_s)
    sent = asyncio.run(loader(ws_url, keys, args.changes, args.seconds))
    delays: list[float] = []
    gaps = connected = 0
    for _ in workers:
        more, gap, count = queue.get()
        delays += more
        gaps += gap
        connected += count
    for worker in workers:
        worker.join()
    cuts = statistics.quantiles(delays, n=1000) if len(delays) > 1 else [0.0] * 999
    return {
        "subscribers": connected,
        "orders": sent,
        "messages": len(delays),
        "gaps": gaps,
        "p50_ms": cuts[499],
        "p99_ms": cuts[989],
        "max_ms": max(delays, default=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=TARGET_SUBSCRIBERS)
    parser.add_argument("--changes", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_server(Path(folder))
        try:
            keys = make_accounts(url, 50)
            result = run(url, keys, args)
        finally:
            process.terminate()
            process.wait(timeout=30)
    report(Console(), args, result)


def report(console: Console, args: argparse.Namespace, row: dict[str, Any]) -> None:
    table = Table(title=f"{STREAM} to {row['subscribers']:,} subscribers, {args.changes:.0f}/s")
    for name in ("orders", "messages", "pu gaps", "p50 ms", "p99 ms", "max ms"):
        table.add_column(name, justify="right")
    table.add_row(
        f"{row['orders']:,}",
        f"{row['messages']:,}",
        f"{row['gaps']:,}",
        f"{row['p50_ms']:.1f}",
        f"{row['p99_ms']:.1f}",
        f"{row['max_ms']:.1f}",
    )
    console.print(table)
    met = row["p99_ms"] < TARGET_P99_MS and row["gaps"] == 0
    met = met and row["subscribers"] >= TARGET_SUBSCRIBERS
    print(
        json.dumps(
            {
                "benchmark": "depth_stream",
                "seconds": args.seconds,
                "subscribers": row["subscribers"],
                "changes_per_s": args.changes,
                "messages": row["messages"],
                "pu_gaps": row["gaps"],
                "p50_ms": round(row["p50_ms"], 2),
                "p99_ms": round(row["p99_ms"], 2),
                "target_met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
