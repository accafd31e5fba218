"""Benchmark: signed orders over Binance's WebSocket API (``/ws-fapi/v1``).

Issue 15's target on this 2-core machine: at least 5,000 orders/s with p99 latency under 20 ms.
A real ``liquidator serve`` (uvicorn, SQLite journal) runs in its own process; ``--processes``
client processes each hold ``--connections`` WebSockets and send HMAC-signed ``order.place``
requests (GTC limit orders a few ticks from the mark on both sides, spread over funded accounts
so none reaches its order limits) at a fixed total rate, open loop: a request leaves on schedule
whether or not the previous one was answered, several in flight per connection. Latency is from
the scheduled send to the answer with the request's ``id``. Prints a table and, last, one JSON
line. Runs on an installed checkout (``python benchmarks/ws_api.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
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
from api_orders import ServerCpu, make_accounts, start_server

TARGET_RATE = 5_000
TARGET_P99_MS = 20.0


def order_request(key: tuple[str, str], number: int) -> str:
    """A signed ``order.place`` frame: a GTC limit 1-50 ticks from 60,000 on its side."""
    side = "BUY" if number % 2 else "SELL"
    ticks = 1 + number % 50
    price = 60_000 - ticks * 0.1 if side == "BUY" else 60_000 + ticks * 0.1
    params: dict[str, Any] = {
        "apiKey": key[0],
        "newClientOrderId": f"ws-{number}",
        "newOrderRespType": "ACK",
        "price": f"{price:.1f}",
        "quantity": "0.002",
        "returnRateLimits": False,
        "side": side,
        "symbol": "BTCUSDT",
        "timeInForce": "GTC",
        "timestamp": int(time.time() * 1000),
        "type": "LIMIT",
    }
    text = "&".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in sorted(params.items())
    )
    params["signature"] = hmac.new(key[1].encode(), text.encode(), hashlib.sha256).hexdigest()
    return json.dumps({"id": number, "method": "order.place", "params": params})


async def _connection(
    url: str, keys: list[tuple[str, str]], numbers: list[int], start: float, rate: float
) -> tuple[list[float], int]:
    due_of = {n: start + n / rate for n in numbers}
    latencies: list[float] = []
    errors = 0
    async with websockets.connect(url, max_size=None) as socket:

        async def read() -> None:
            nonlocal errors
            for _ in numbers:
                answer = json.loads(await socket.recv())
                latencies.append(time.perf_counter() - due_of[answer["id"]])
                if answer.get("status") != 200:
                    errors += 1
                    if errors < 3:
                        sys.stderr.write(json.dumps(answer)[:200] + "\n")

        reader = asyncio.create_task(read())
        for number in numbers:
            delay = due_of[number] - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await socket.send(order_request(keys[number % len(keys)], number))
        await asyncio.wait_for(reader, 60)
    return latencies, errors


def client_process(
    url: str, keys: list[tuple[str, str]], plan: dict[str, Any], offset: int, results: Any
) -> None:
    """Send this process's share (every ``stride``-th request from ``offset``) on schedule."""
    stride, connections = plan["stride"], plan["connections"]
    total = int(plan["rate"] * plan["seconds"])
    mine = list(range(offset, total, stride))
    shares = [mine[c::connections] for c in range(connections)]

    async def run() -> list[tuple[list[float], int]]:
        jobs = [
            _connection(url, keys, share, plan["start"], plan["rate"]) for share in shares if share
        ]
        return await asyncio.gather(*jobs)

    outcome = asyncio.run(run())
    cpu = time.process_time()  # the load generator's own CPU (signing, framing, reading)
    results.put(([x for lat, _ in outcome for x in lat], sum(e for _, e in outcome), cpu))


def measure(url: str, keys: list[tuple[str, str]], args: argparse.Namespace) -> dict[str, float]:
    queue: Any = multiprocessing.Queue()
    plan = {
        "rate": args.rate,
        "seconds": args.seconds,
        "stride": args.processes,
        "connections": args.connections,
        "start": time.perf_counter() + 1.0,  # perf_counter is system-wide on Linux
    }
    workers = [
        multiprocessing.Process(target=client_process, args=(url, keys, plan, n, queue))
        for n in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    client_cpu = 0.0
    for _ in workers:
        lat, err, cpu = queue.get()
        latencies += lat
        errors += err
        client_cpu += cpu
    for worker in workers:
        worker.join()
    elapsed = max(latencies) + args.seconds if latencies else args.seconds
    cuts = statistics.quantiles([x * 1000 for x in latencies], n=1000)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rate": len(latencies) / elapsed,
        "p50_ms": cuts[499],
        "p99_ms": cuts[989],
        "p999_ms": cuts[998],
        "max_ms": max(latencies) * 1000,
        "client_cpu_us": client_cpu * 1e6 / max(1, len(latencies)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=TARGET_RATE)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=600)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_server(Path(folder))
        try:
            keys = make_accounts(url, args.accounts)
            ws_url = url.replace("http://", "ws://") + "/ws-fapi/v1"
            cpu = ServerCpu(process.pid)
            result = measure(ws_url, keys, args)
            result["cpu_us"], result["loop_cpu_us"] = cpu.per_request_us(int(result["requests"]))
        finally:
            process.terminate()
            process.wait(timeout=30)
    report(console, args, result)


def report(console: Console, args: argparse.Namespace, row: dict[str, float]) -> None:
    table = Table(title=f"order.place over /ws-fapi/v1, offered {args.rate:,.0f}/s (open loop)")
    names = ("requests", "errors", "per second", "p50 ms", "p99 ms", "p99.9 ms", "max ms")
    for name in names:
        table.add_column(name, justify="right")
    table.add_row(
        f"{row['requests']:,.0f}",
        f"{row['errors']:,.0f}",
        f"{row['rate']:,.0f}",
        f"{row['p50_ms']:.1f}",
        f"{row['p99_ms']:.1f}",
        f"{row['p999_ms']:.1f}",
        f"{row['max_ms']:.1f}",
    )
    console.print(table)
    console.print(
        f"Server CPU an order: {row['cpu_us']:.0f} µs, of which its event loop's thread"
        f" {row['loop_cpu_us']:.0f} µs; the clients' CPU an order: {row['client_cpu_us']:.0f} µs"
        " (the same two cores)"
    )
    met = row["rate"] >= TARGET_RATE * 0.98 and row["p99_ms"] < TARGET_P99_MS and not row["errors"]
    print(
        json.dumps(
            {
                "benchmark": "ws_api",
                "seconds": args.seconds,
                "offered_per_s": args.rate,
                "orders_per_s": round(row["rate"]),
                "errors": row["errors"],
                "p50_ms": round(row["p50_ms"], 2),
                "p99_ms": round(row["p99_ms"], 2),
                "p999_ms": round(row["p999_ms"], 2),
                "server_cpu_us_per_order": round(row["cpu_us"]),
                "server_loop_cpu_us_per_order": round(row["loop_cpu_us"]),
                "client_cpu_us_per_order": round(row["client_cpu_us"]),
                "target_met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
