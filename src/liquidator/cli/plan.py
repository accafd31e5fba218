"""``liquidator plan``: leverage, size and stop for a capital, a horizon and a target chance.

The 1-minute closes come from a Binance kline CSV (``--klines``, e.g. a crash window) or from
the public ``/fapi/v1/klines`` of ``--base-url`` (the last 7 days). Any failure is one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import requests
from binance.error import Error
from binance.um_futures import UMFutures
from rich.console import Console
from rich.table import Table

from liquidator.adapters.binance.fields import InputError, decimal_raw
from liquidator.adapters.input_files import InputFileError, printable
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.app.plan import Market1m, Plan, build_plan
from liquidator.bootstrap import bundled_market
from liquidator.cli.args import real, whole
from liquidator.core.money.fixed import trim_raw
from liquidator.postmortem.paging import klines
from liquidator.postmortem.public_marks import bar
from liquidator.postmortem.records import PostmortemError

HORIZON_UNITS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}
MAX_HORIZON_MS = 30 * 86_400_000
WEEK_MS = 7 * 86_400_000
SHOWN = (1, 2, 3, 5, 10, 15, 20, 25, 50, 75, 100, 125)


def add_commands(commands: Any) -> None:
    plan = commands.add_parser(
        "plan", help="leverage, size and stop that keep the chance of liquidation under a target"
    )
    plan.add_argument("--symbol", required=True, type=str.upper, help="e.g. BTCUSDT")
    plan.add_argument("--side", required=True, type=str.upper, choices=("LONG", "SHORT"))
    plan.add_argument("--capital", required=True, help="margin to put up, in the margin asset")
    plan.add_argument("--horizon", required=True, help="how long it must hold: 30m, 8h, 7d")
    plan.add_argument(
        "--target-probability",
        type=real(0, 0.5, above_low=True),
        default=0.01,
        help="the highest chance of liquidation accepted (default 0.01)",
    )
    plan.add_argument("--klines", type=Path, help="Binance 1-minute kline CSV (plain or zip)")
    plan.add_argument("--base-url", help="a Binance USDⓈ-M REST base URL: its last 7 days of 1m")
    plan.add_argument("--seed", type=whole(0, 2**32), default=7, help="bootstrap seed (7)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        plan, data = _plan(args)
    except (PostmortemError, InputError, InputFileError, ValueError, OSError) as error:
        sys.stderr.write(f"liquidator: error: {str(error).splitlines()[0]}\n")
        return 2
    body = plan_json(plan, args, data)
    if args.json:
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
    else:
        _render(plan, args)
    return 0


def _plan(args: argparse.Namespace) -> tuple[Plan, Market1m]:
    market = bundled_market()
    instrument, table = market.instrument(args.symbol), market.bracket_table(args.symbol)
    if instrument is None or table is None or instrument.is_inverse:
        raise ValueError(f"--symbol: {args.symbol[:20]!r} is not a USDⓈ-M symbol of the market")
    capital = decimal_raw(args.capital, "--capital")
    if capital <= 0:
        raise InputError("--capital", args.capital, "must be positive")
    data = Market1m(table, instrument.tick_size.raw, instrument.step_size.raw, _closes(args))
    plan = build_plan(
        data,
        long=args.side == "LONG",
        capital=capital,
        horizon_ms=_horizon(args.horizon),
        target=args.target_probability,
        seed=args.seed,
    )
    return plan, data


def _closes(args: argparse.Namespace) -> list[int]:
    if (args.klines is None) == (args.base_url is None):
        raise ValueError("give one source of 1-minute klines: --klines FILE or --base-url URL")
    if args.klines is not None:
        return [k.close for k in read_klines(args.klines)]
    client = UMFutures(base_url=args.base_url.rstrip("/"), timeout=30)
    try:
        now = int(client.time()["serverTime"])

        def page(start: int) -> list[Any]:
            return list(client.klines(args.symbol, "1m", startTime=start, limit=1500))

        rows = klines(page, now - WEEK_MS, now)
    except (Error, requests.RequestException, KeyError, TypeError) as error:
        raise ValueError(f"--base-url: {printable(args.base_url)[:60]}: {error}") from None
    return [bar(row, args.symbol)[4] for row in rows]


def _horizon(text: str) -> int:
    unit, body = text.strip()[-1:], text.strip()[:-1]
    if unit not in HORIZON_UNITS or not body.replace(".", "", 1).isdigit():
        raise ValueError(f"--horizon: {printable(text)[:40]!r} is not like 30m, 8h or 7d")
    ms = int(float(body) * HORIZON_UNITS[unit])
    if not 60_000 <= ms <= MAX_HORIZON_MS:
        raise ValueError(f"--horizon: {text.strip()} must be from 1m to 30d")
    return ms


def plan_json(plan: Plan, args: argparse.Namespace, data: Market1m) -> dict[str, Any]:
    chosen, stop = plan.chosen, plan.stop
    return {
        "symbol": args.symbol,
        "side": args.side,
        "capital": trim_raw(decimal_raw(args.capital, "--capital")),
        "horizon": args.horizon,
        "targetProbability": args.target_probability,
        "entry": trim_raw(plan.entry),
        "minutes": plan.minutes,
        "volatility": round(plan.sigma, 6),
        "models": {
            "lognormal": "geometric Brownian motion with drift -sigma^2/2 (a martingale price)",
            "bootstrap": "1-minute returns of the data resampled in one-hour blocks",
        },
        "warnings": plan.warnings,
        "leverage": chosen.leverage if chosen else None,
        "quantity": trim_raw(chosen.quantity) if chosen else None,
        "margin": trim_raw(chosen.margin) if chosen else None,
        "liquidationPrice": trim_raw(chosen.liquidation_price) if chosen else None,
        "probability": {"lognormal": chosen.p_lognormal, "bootstrap": chosen.p_bootstrap}
        if chosen
        else None,
        "stop": None
        if stop is None
        else {
            "price": trim_raw(stop.price),
            "fill": trim_raw(stop.fill),
            "loss": trim_raw(stop.loss),
            "probability": stop.p_hit,
        },
        "lossAtLiquidation": trim_raw(plan.loss_at_liquidation),
        "candidates": [
            {
                "leverage": c.leverage,
                "liquidationPrice": trim_raw(c.liquidation_price),
                "lognormal": c.p_lognormal,
                "bootstrap": c.p_bootstrap,
            }
            for c in plan.candidates
            if c.leverage in SHOWN or c is chosen
        ],
        "tick": trim_raw(data.tick),
    }


def _render(plan: Plan, args: argparse.Namespace) -> None:
    console = Console(highlight=False)
    table = Table(title=f"{args.symbol} {args.side}, {args.capital} of margin, {args.horizon}")
    for name in ("leverage", "liquidation price", "P log-normal", "P bootstrap"):
        table.add_column(name, justify="right")
    for c in plan.candidates:
        if c.leverage in SHOWN or c is plan.chosen:
            mark = " <" if c is plan.chosen else ""
            table.add_row(
                f"{c.leverage}x{mark}",
                trim_raw(c.liquidation_price),
                f"{c.p_lognormal:.4%}",
                f"{c.p_bootstrap:.4%}",
            )
    console.print(table)
    console.print(
        f"Data: {plan.minutes} one-minute returns, volatility {plan.sigma:.2%} a year "
        "(log-normal: geometric Brownian motion with drift -σ²/2; bootstrap: real returns "
        "in one-hour blocks)"
    )
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    chosen, stop = plan.chosen, plan.stop
    if chosen is None or stop is None:
        console.print(f"No leverage keeps the chance under {args.target_probability:.2%}.")
        return
    console.print(
        f"Plan: {args.side} {trim_raw(chosen.quantity)} {args.symbol} at "
        f"{trim_raw(plan.entry)}, {chosen.leverage}x isolated (margin {trim_raw(chosen.margin)}), "
        f"liquidation price {trim_raw(chosen.liquidation_price)}: chance within "
        f"{args.horizon} {chosen.p_lognormal:.3%} (log-normal) / {chosen.p_bootstrap:.3%} "
        "(bootstrap)"
    )
    console.print(
        f"Stop-market at {trim_raw(stop.price)}, filled about {trim_raw(stop.fill)} after a bad "
        f"minute: a stop-out loses {trim_raw(stop.loss)} against {trim_raw(chosen.margin)} at "
        f"liquidation (chance it triggers within {args.horizon}: {stop.p_hit:.2%})"
    )
