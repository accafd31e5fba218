"""Benchmark: the monitor following 200 positions on 50 symbols, marks every second.

Runs on an installed checkout (``python benchmarks/monitor.py``). 50 synthetic USDT symbols
(BTCUSDT's filters and brackets), 200 positions in two shapes:

* ``one-way``: four accounts, each with one position in every symbol: two cross (every mark
  moves every position's liquidation price), two isolated;
* ``hedge``: two hedge-mode accounts with a LONG and a SHORT in every symbol, one cross (each
  LONG and SHORT pair shares one liquidation price, solved together across every bracket
  segment: the costliest case), one isolated.

Each simulated second, 50 ``markPriceUpdate`` messages (one per symbol, a seeded random walk) go
through the monitor's update path as text: parsed (``parse_message``), applied to the books,
then one tick solves every position (``position_lines``), checks the alerts and writes the
changed JSON lines. The CPU time per simulated second is the share of one core the monitor
needs. ``--web``'s share is measured apart (``web ms``): each tick handed to the page's feed
(``MonitorFeed``: the lines' JSON, encoded once for it and ``--json``, the accounts summed, the
event queued) and taken off by one listening page. Prints a table, then one JSON line.
"""

from __future__ import annotations

import io
import json
import random
import time
from decimal import Decimal
from typing import Any

from liquidator.adapters.binance.snapshot import RestBodies, parse_snapshot
from liquidator.adapters.binance.user_stream import parse_message
from liquidator.app.monitor.alerts import AlertGate, Thresholds
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import MarkMoved
from liquidator.app.monitor.figures import position_lines
from liquidator.app.monitor.solver import AccountSolver
from liquidator.bootstrap import bundled_market
from liquidator.cli.monitor_view import JsonOutput, LineEncoder
from liquidator.core.money.fixed import Rate
from liquidator.web.monitor_feed import MonitorFeed

SYMBOLS = 50
SECONDS = 30
SEED = 20260101
START_MS = 1_800_000_000_000


def instruments_and_brackets(symbols: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return exchangeInfo and leverageBracket bodies listing ``symbols`` like BTCUSDT."""
    filters = [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1e6", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "100000", "stepSize": "0.001"},
    ]  # fmt: skip
    info = {
        "symbols": [
            {"symbol": s, "baseAsset": s[:-4], "quoteAsset": "USDT", "marginAsset": "USDT",
             "liquidationFee": "0.0125", "filters": filters}
            for s in symbols
        ]
    }  # fmt: skip
    table = bundled_market().brackets["BTCUSDT"]
    brackets = [
        {
            "symbol": symbol,
            "brackets": [
                {
                    "bracket": b.number,
                    "initialLeverage": b.initial_leverage,
                    "notionalFloor": str(b.floor.to_decimal()),
                    "notionalCap": str(b.cap.to_decimal()),
                    "maintMarginRatio": str(b.maintenance_margin_rate.to_decimal()),
                    "cum": str(b.maintenance_amount.to_decimal()),
                }
                for b in table.brackets
            ],
        }
        for symbol in symbols
    ]
    return info, brackets


def account(
    symbols: list[str],
    marks: dict[str, Decimal],
    margin_type: str,
    chooser: random.Random,
    *,
    hedge: bool,
) -> AccountBook:
    """Return an account with a position in every symbol (hedge: a LONG and a SHORT), 5x-20x."""
    rows = []
    sides = (("LONG", 1), ("SHORT", -1)) if hedge else ((("BOTH", chooser.choice((1, -1))),))
    for symbol in symbols:
        mark = marks[symbol]
        leverage = chooser.choice((5, 10, 20))  # one per symbol, as Binance sets it
        for side, sign in sides:
            quantity = Decimal(chooser.randint(1_000, 5_000)) / 1000  # notional ~ 1 to 5 marks
            entry = (mark * Decimal(1 + chooser.uniform(-0.02, 0.02))).quantize(Decimal("0.01"))
            wallet = (quantity * entry / leverage).quantize(Decimal("0.00000001"))
            rows.append(
                {
                    "symbol": symbol, "positionSide": side, "positionAmt": str(sign * quantity),
                    "entryPrice": str(entry), "markPrice": str(mark), "marginType": margin_type,
                    "isolatedWallet": str(wallet), "leverage": str(leverage),
                    "liquidationPrice": "0",
                }
            )  # fmt: skip
    info, brackets = instruments_and_brackets(symbols)
    premium = [
        {"symbol": s, "markPrice": str(m), "lastFundingRate": "0.0001", "nextFundingTime": START_MS}
        for s, m in marks.items()
    ]
    cross_wallet = sum((Decimal(r["isolatedWallet"]) for r in rows), Decimal(0)) * 2
    return AccountBook(
        parse_snapshot(
            RestBodies(
                account={"assets": [{"asset": "USDT", "crossWalletBalance": str(cross_wallet)}]},
                position_risk=rows,
                exchange_info=info,
                brackets=brackets,
                premium_index=premium,
                adl_quantile=[],
                ts_ms=START_MS,
            )
        )
    )


def mark_message(symbol: str, mark: Decimal, ts_ms: int) -> str:
    return json.dumps(
        {"e": "markPriceUpdate", "E": ts_ms, "s": symbol, "p": str(mark), "i": str(mark),
         "P": str(mark), "r": "0.00010000", "T": START_MS + 8 * 3_600_000}
    )  # fmt: skip


def run(shape: str, chooser: random.Random) -> dict[str, float]:
    """Follow the ``shape``'s accounts for ``SECONDS``; return ms per second by part."""
    symbols = [f"SYM{i:02d}USDT" for i in range(SYMBOLS)]
    marks = {s: Decimal(chooser.randint(100, 6_000_000)) / 100 for s in symbols}
    kinds = (
        ("cross", "isolated") if shape == "hedge" else ("cross", "cross", "isolated", "isolated")
    )
    books = [account(symbols, marks, k, chooser, hedge=shape == "hedge") for k in kinds]
    gates = [AlertGate(Thresholds(Rate.of("0.8"), Rate.of("0.05"), 4)) for _ in books]
    encoders = [LineEncoder("24h") for _ in books]  # as the command: one for --json and --web
    outputs = [JsonOutput("24h", io.StringIO(), encoder) for encoder in encoders]
    feeds = [MonitorFeed(encoder) for encoder in encoders]
    pages = [feed.listen() for feed in feeds]
    solvers = [AccountSolver() for _ in books]
    sigmas: dict[str, float | None] = dict.fromkeys(symbols, 0.02)
    spent = {"parse": 0.0, "apply": 0.0, "solve": 0.0, "web": 0.0}
    for second in range(SECONDS):
        ts_ms = START_MS + second * 1000
        texts = []
        for symbol in symbols:
            step = Decimal(1 + chooser.gauss(0, 0.001))
            marks[symbol] = (marks[symbol] * step).quantize(Decimal("0.01"))
            texts.append(mark_message(symbol, marks[symbol], ts_ms))
        t0 = time.process_time()
        events = [event for text in texts for event in parse_message(text)]
        t1 = time.process_time()
        for book in books:
            for event in events:
                assert isinstance(event, MarkMoved)
                book.move_mark(event)
        t2 = time.process_time()
        solved = []
        for book, gate, output, solver in zip(books, gates, outputs, solvers, strict=True):
            lines = position_lines(book, sigmas, {}, solver)
            gate.check(lines)
            output.lines(lines, book)
            solved.append(lines)
        t3 = time.process_time()
        for book, lines, feed, page in zip(books, solved, feeds, pages, strict=True):
            feed.lines(lines, book)
            assert page.get_nowait() is not None
        t4 = time.process_time()
        spent["parse"] += t1 - t0
        spent["apply"] += t2 - t1
        spent["solve"] += t3 - t2
        spent["web"] += t4 - t3
    result = {part: seconds / SECONDS * 1000 for part, seconds in spent.items()}
    result["total"] = result["parse"] + result["apply"] + result["solve"]
    result["positions"] = sum(len(book.positions) for book in books)
    return result


def main() -> None:
    chooser = random.Random(SEED)
    results = {shape: run(shape, chooser) for shape in ("one-way", "hedge")}
    print(f"monitor: {SYMBOLS} symbols, marks every second for {SECONDS} s; CPU per second")
    print(f"{'shape':8} {'positions':>9} {'parse ms':>9} {'apply ms':>9} {'solve ms':>9} "
          f"{'total ms':>9} {'% of a core':>12} {'web ms':>7} {'% with --web':>13}")  # fmt: skip
    for shape, r in results.items():
        print(
            f"{shape:8} {r['positions']:9.0f} {r['parse']:9.2f} {r['apply']:9.2f} "
            f"{r['solve']:9.2f} {r['total']:9.2f} {r['total'] / 10:11.2f}% {r['web']:7.2f} "
            f"{(r['total'] + r['web']) / 10:12.2f}%"
        )
    print(
        json.dumps(
            {
                "benchmark": "monitor",
                "symbols": SYMBOLS,
                "seconds": SECONDS,
                "positions": round(results["one-way"]["positions"]),
                "core_share_percent": round(results["one-way"]["total"] / 10, 2),
                "hedge_core_share_percent": round(results["hedge"]["total"] / 10, 2),
                "ms_per_second": round(results["one-way"]["total"], 2),
                "hedge_ms_per_second": round(results["hedge"]["total"], 2),
                "web_ms_per_second": round(results["one-way"]["web"], 2),
                "hedge_web_ms_per_second": round(results["hedge"]["web"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
