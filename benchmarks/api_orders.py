"""Benchmark: signed order placement over loopback, and 1,000 WebSocket trade subscribers.

Issue 5's targets on this 2-core machine: at least 1,500 signed orders/s sustained for 60 s with
p99 latency under 50 ms; 1,000 concurrent subscribers to ``btcusdt@aggTrade`` each receiving
every update. Runs on an installed checkout (``python benchmarks/api_orders.py``).

A real ``liquidator serve`` (uvicorn, SQLite journal, synchronous NORMAL) runs in its own
process. Load: ``--processes`` client processes, each with threads holding keep-alive
connections, send HMAC-signed ``POST /fapi/v1/order`` (GTC limit orders a few ticks away from
the mark, on both sides, spread over 1,000 funded accounts so no account reaches its open-order
limit) at a fixed total rate (open loop: a request is sent on schedule whether or not the
previous answered). Latency is send to last byte, per request. Baseline in the same run: the
same load on ``GET /fapi/v1/ping`` (no engine, no journal, no signature): what the HTTP stack
alone costs. Then the WebSocket part: ``--subscribers`` connections subscribe to
``btcusdt@aggTrade`` and a trader sends ``--updates`` market orders; each subscriber must see
every trade (``@markPrice`` would not do: Binance pushes it on a clock, not on every change).
While the orders flow, an attacker process holds ``--half-open`` idle TCP connections from
127.0.0.2 and ``--floods`` WebSockets from 127.0.0.3 that subscribe to 5,000 streams each as fast
as they can (issue 13: the targets hold while these are refused). Prints tables and, last, one
JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import http.client
import itertools
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets
from rich.console import Console
from rich.table import Table

ADMIN_KEY = "benchmark-admin-key-0123456789"
TARGET_RATE = 1_500
TARGET_P99_MS = 50.0
TARGET_SUBSCRIBERS = 1_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    script = Path(sys.executable).parent / "liquidator"
    process = subprocess.Popen(
        [
            str(script),
            "serve",
            "--db",
            str(folder / "exchange.sqlite"),
            "--port",
            str(port),
            "--admin-key",
            ADMIN_KEY,
            "--no-price-walk",
            "--mark-source",
            "feed",
            "--weight-limit",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/fapi/v1/ping", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def cpu_seconds(pid: int, *, thread: int | None = None) -> float:
    """CPU time (user + system) of process ``pid``, or of its thread ``thread``, from /proc."""
    where = f"/proc/{pid}/task/{thread}/stat" if thread is not None else f"/proc/{pid}/stat"
    fields = Path(where).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """The server's CPU per request over a stretch of load: the whole process, and its event
    loop's thread (the main one), which is what one core must hold."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = (cpu_seconds(pid), cpu_seconds(pid, thread=pid))

    def per_request_us(self, requests: int) -> tuple[float, float]:
        total, loop = cpu_seconds(self.pid), cpu_seconds(self.pid, thread=self.pid)
        count = max(1, requests)
        return (total - self.start[0]) * 1e6 / count, (loop - self.start[1]) * 1e6 / count


def admin(url: str, path: str, **params: str) -> Any:
    request = urllib.request.Request(
        f"{url}{path}?{urllib.parse.urlencode(params)}",
        method="POST",
        headers={"X-ADMIN-KEY": ADMIN_KEY},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def make_accounts(url: str, count: int) -> list[tuple[str, str]]:
    keys = []
    for number in range(count):
        name = f"bench-{number:04d}"
        key = admin(url, "/admin/keys", account=name)
        admin(url, "/admin/deposit", account=name, amount="1000000")
        keys.append((key["apiKey"], key["secretKey"]))
    return keys


def order_path(key: tuple[str, str], number: int) -> str:
    """A signed GTC limit order 1-50 ticks from 60,000 on its side (it rests in the book)."""
    side = "BUY" if number % 2 else "SELL"
    ticks = 1 + number % 50
    price = 60_000 - ticks * 0.1 if side == "BUY" else 60_000 + ticks * 0.1
    query = urllib.parse.urlencode(
        {
            "symbol": "BTCUSDT",
            "side": side,
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.002",
            "price": f"{price:.1f}",
            "newOrderRespType": "ACK",
            "newClientOrderId": f"bench-{number}",  # no two requests alike: none is a replay
            "timestamp": int(time.time() * 1000),
        }
    )
    signature = hmac.new(key[1].encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"/fapi/v1/order?{query}&signature={signature}"


@dataclass(frozen=True)
class Schedule:
    """Request g of the whole run is due at start + g / rate; a process sends the g with
    g % stride == offset, each of its threads every threads-th of those."""

    port: int
    keys: list[tuple[str, str]]
    start: float
    rate: float
    seconds: float
    threads: int
    offset: int
    stride: int
    kind: str

    def due(self, thread: int, step: int) -> tuple[int, float]:
        number = self.stride * (thread + step * self.threads) + self.offset
        return number, self.start + number / self.rate

    def request(self, number: int) -> tuple[str, str, dict[str, str]]:
        """The method, path and headers of request ``number``."""
        if self.kind != "order":
            return "GET", "/fapi/v1/ping", {}
        key = self.keys[number % len(self.keys)]
        return "POST", order_path(key, number), {"X-MBX-APIKEY": key[0]}


def send(
    connection: http.client.HTTPConnection, method: str, path: str, headers: Any
) -> str | None:
    """Send one request and read its answer; None if it was a 200, else the answer's start."""
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return None if response.status == 200 else body.decode()[:200]


def worker(schedule: Schedule, thread: int) -> tuple[list[float], int]:
    """Send this thread's share of the schedule on one connection; latencies and failures."""
    connection = http.client.HTTPConnection("127.0.0.1", schedule.port, timeout=30)
    latencies: list[float] = []
    failed = 0
    for step in itertools.count():
        number, due = schedule.due(thread, step)
        if due - schedule.start > schedule.seconds:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            refused = send(connection, *schedule.request(number))
            if refused is not None:
                failed += 1
                if failed < 3:
                    sys.stderr.write(refused + "\n")
        except (OSError, http.client.HTTPException):
            failed += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", schedule.port, timeout=30)
        # latency from the scheduled time: waiting behind a slow answer counts
        latencies.append(time.perf_counter() - due)
    return latencies, failed


def client_process(schedule: Schedule, results: Any) -> None:
    """Send requests on a fixed schedule from ``threads`` connections; report latencies."""
    outcomes: list[tuple[list[float], int]] = []
    lock = threading.Lock()

    def run(thread: int) -> None:
        outcome = worker(schedule, thread)
        with lock:
            outcomes.append(outcome)

    pool = [threading.Thread(target=run, args=(t,)) for t in range(schedule.threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    latencies = [latency for mine, _ in outcomes for latency in mine]
    results.put((latencies, sum(failed for _, failed in outcomes)))


def load(
    port: int,
    keys: list[tuple[str, str]],
    rate: float,
    seconds: float,
    args: argparse.Namespace,
    kind: str,
) -> dict[str, float]:
    queue: Any = multiprocessing.Queue()
    start = time.perf_counter() + 1.0
    processes = [
        multiprocessing.Process(
            target=client_process,
            args=(
                Schedule(port, keys, start, rate, seconds, args.threads, p, args.processes, kind),
                queue,
            ),
        )
        for p in range(args.processes)
    ]
    for process in processes:
        process.start()
    latencies: list[float] = []
    errors = 0
    for _ in processes:
        part, failed = queue.get()
        latencies.extend(part)
        errors += failed
    for process in processes:
        process.join()
    elapsed = max(seconds, 1e-9)
    ordered = sorted(latencies)

    def pct(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else 0.0

    return {
        "requests": len(latencies),
        "errors": errors,
        "rate": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "p999_ms": pct(0.999),
        "max_ms": ordered[-1] * 1000 if ordered else 0.0,
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else 0.0,
    }


def attacker_process(port: int, half_open: int, floods: int, seconds: float, results: Any) -> None:
    """Attack while the orders flow: ``half_open`` idle TCP connections from 127.0.0.2 (sending
    nothing), and ``floods`` WebSockets from 127.0.0.3 each subscribing to 5,000 streams and
    sending frames as fast as it can. Report how many of each the server refused or closed."""
    sockets = []
    refused_at_connect = 0
    for _ in range(half_open):
        try:
            sockets.append(socket.create_connection(("127.0.0.1", port), 5, ("127.0.0.2", 0)))
        except OSError:
            refused_at_connect += 1
    flood = asyncio.run(_flood(port, floods, seconds))
    closed = 0
    for connection in sockets:
        connection.settimeout(0.01)
        try:
            closed += connection.recv(1) == b""  # EOF: the server hung up on it
        except TimeoutError:
            pass  # still open
        except OSError:
            closed += 1
        connection.close()
    results.put({"half_open": half_open, "closed": closed + refused_at_connect} | flood)


async def _flood(port: int, floods: int, seconds: float) -> dict[str, int]:
    """Subscription floods: 5,000 streams a connection, frames without pause; count refusals."""
    refused = accepted = 0
    streams = [f"btcusdt@kline_{n}m" for n in range(5_000)]
    deadline = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal refused, accepted
        try:
            async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws", open_timeout=10, local_addr=("127.0.0.3", 0)
            ) as connection:
                frame = 0
                while time.perf_counter() < deadline:
                    frame += 1
                    chunk = streams[(frame * 50) % 5_000 :][:50]
                    await connection.send(
                        json.dumps({"method": "SUBSCRIBE", "params": chunk, "id": frame})
                    )
                    answer = json.loads(await asyncio.wait_for(connection.recv(), 5))
                    if "error" in answer:
                        refused += 1
                    else:
                        accepted += 1
        except Exception:  # closed by the server: the flood was cut off
            refused += 1

    await asyncio.gather(*(one() for _ in range(floods)))
    return {"floods": floods, "flood_frames_accepted": accepted, "flood_refusals": refused}


def trade(url: str, key: tuple[str, str], number: int) -> None:
    """Send a signed 0.002 BTC market order (buys and sells in turn): one aggregate trade."""
    query = urllib.parse.urlencode(
        {
            "symbol": "BTCUSDT",
            "side": "BUY" if number % 2 else "SELL",
            "type": "MARKET",
            "quantity": "0.002",
            "newClientOrderId": f"fanout-{number}",
            "timestamp": int(time.time() * 1000),
        }
    )
    signature = hmac.new(key[1].encode(), query.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{url}/fapi/v1/order?{query}&signature={signature}",
        method="POST",
        headers={"X-MBX-APIKEY": key[0]},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


async def subscribers(url: str, count: int, updates: int) -> dict[str, float]:
    """Connect ``count`` aggTrade subscribers; trade ``updates`` times; count what each saw.

    Trades, not mark moves: Binance pushes ``@markPrice`` on a clock (every 3 s or 1 s), while
    ``@aggTrade`` carries every trade as it happens, so each must reach every subscriber.
    """
    ws_url = url.replace("http://", "ws://") + "/ws/btcusdt@aggTrade"
    key = admin(url, "/admin/keys", account="bench-fanout")
    admin(url, "/admin/deposit", account="bench-fanout", amount="1000000")
    trader = (key["apiKey"], key["secretKey"])
    received = [0] * count
    delays: list[float] = []
    connections = []
    for number in range(count):  # 50 a loopback address: the server caps each at 64
        source = (f"127.0.1.{1 + number // 50}", 0)
        connections.append(
            await websockets.connect(ws_url, max_queue=None, open_timeout=30, local_addr=source)
        )

    async def reader(index: int, connection: Any) -> None:
        while received[index] < updates:
            message = json.loads(await asyncio.wait_for(connection.recv(), 60))
            if message.get("e") == "aggTrade":
                received[index] += 1
                delays.append(time.time() * 1000 - message["E"])

    tasks = [asyncio.create_task(reader(i, c)) for i, c in enumerate(connections)]
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    for number in range(updates):
        await loop.run_in_executor(None, trade, url, trader, number)
        await asyncio.sleep(0.05)
    _, pending = await asyncio.wait(tasks, timeout=60)
    elapsed = time.perf_counter() - start
    for task in pending:
        task.cancel()
    for connection in connections:
        await connection.close()
    ordered = sorted(delays) or [0.0]
    return {
        "subscribers": count,
        "updates": updates,
        "complete": sum(1 for r in received if r >= updates),
        "messages": sum(received),
        "seconds": elapsed,
        "delivery_p50_ms": ordered[len(ordered) // 2],
        "delivery_p99_ms": ordered[int(len(ordered) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=1_600.0, help="orders per second offered")
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16, help="connections per process")
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument(
        "--half-open", type=int, default=1_000, help="idle attacker connections during the load"
    )
    parser.add_argument(
        "--floods", type=int, default=4, help="attacker WebSockets flooding subscriptions"
    )
    args = parser.parse_args()
    console = Console(width=110)
    with tempfile.TemporaryDirectory() as folder:
        server, url = start_server(Path(folder))
        try:
            port = int(url.rsplit(":", 1)[1])
            keys = make_accounts(url, args.accounts)
            baseline = load(port, keys, args.rate, min(args.seconds, 10.0), args, "ping")
            attack_results: Any = multiprocessing.Queue()
            attacker = multiprocessing.Process(
                target=attacker_process,
                args=(port, args.half_open, args.floods, args.seconds, attack_results),
            )
            attacker.start()
            cpu = ServerCpu(server.pid)
            orders = load(port, keys, args.rate, args.seconds, args, "order")
            orders["cpu_us"], orders["loop_cpu_us"] = cpu.per_request_us(int(orders["requests"]))
            attack = attack_results.get()
            attacker.join()
            stream = asyncio.run(subscribers(url, args.subscribers, args.updates))
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(console, args, baseline, orders, stream, attack)


def report(
    console: Console,
    args: argparse.Namespace,
    baseline: dict[str, float],
    orders: dict[str, float],
    stream: dict[str, float],
    attack: dict[str, int],
) -> None:
    table = Table(title=f"Signed orders over loopback, offered {args.rate:,.0f}/s (open loop)")
    for name in (
        "what",
        "requests",
        "errors",
        "per second",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
    ):
        table.add_column(name, justify="left" if name == "what" else "right")
    for label, row in (
        (f"POST /fapi/v1/order, {args.seconds:.0f} s", orders),
        ("baseline: GET /fapi/v1/ping, 10 s", baseline),
    ):
        table.add_row(
            label,
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
        f"Server CPU a signed order (the attack's share included): {orders['cpu_us']:.0f} µs,"
        f" of which its event loop's thread {orders['loop_cpu_us']:.0f} µs"
    )
    console.print(
        f"WebSocket: {stream['complete']:,.0f} of {stream['subscribers']:,.0f} subscribers saw all "
        f"{stream['updates']:,.0f} trades ({stream['messages']:,.0f} messages); delivery "
        f"p50 {stream['delivery_p50_ms']:.1f} ms, p99 {stream['delivery_p99_ms']:.1f} ms"
    )
    console.print(
        f"Attack during the orders: {attack['closed']:,} of {attack['half_open']:,} idle"
        f" connections from 127.0.0.2 refused or closed; {attack['floods']} subscription floods"
        f" from 127.0.0.3: {attack['flood_frames_accepted']:,} frames answered,"
        f" {attack['flood_refusals']:,} refused or cut off"
    )
    print(
        json.dumps(
            {
                "benchmark": "api_orders",
                "seconds": args.seconds,
                "offered_per_s": args.rate,
                "orders_per_s": round(orders["rate"]),
                "order_errors": orders["errors"],
                "p50_ms": round(orders["p50_ms"], 2),
                "p99_ms": round(orders["p99_ms"], 2),
                "p999_ms": round(orders["p999_ms"], 2),
                "server_cpu_us_per_order": round(orders["cpu_us"]),
                "server_loop_cpu_us_per_order": round(orders["loop_cpu_us"]),
                "ping_per_s": round(baseline["rate"]),
                "ping_p99_ms": round(baseline["p99_ms"], 2),
                "ws_subscribers": stream["subscribers"],
                "ws_complete": stream["complete"],
                "ws_updates": stream["updates"],
                "ws_delivery_p99_ms": round(stream["delivery_p99_ms"], 1),
                "attack_half_open": attack["half_open"],
                "attack_half_open_closed": attack["closed"],
                "attack_floods": attack["floods"],
                "attack_flood_frames_accepted": attack["flood_frames_accepted"],
                "attack_flood_refusals": attack["flood_refusals"],
                "target_orders_per_s": TARGET_RATE,
                "target_p99_ms": TARGET_P99_MS,
            }
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
