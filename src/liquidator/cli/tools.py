"""``liquidator stress`` and ``liquidator probability``: tools for a trader's positions."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from liquidator.adapters.binance.account_file import parse_account
from liquidator.adapters.binance.fields import InputError, decimal_raw, load_json
from liquidator.adapters.input_files import printable, shortened
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.app.probability import first_passage, volatility
from liquidator.bootstrap import bundled_market
from liquidator.cli.args import decimal, real, whole
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account, AccountError
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.margin.position_margin import opening_margin
from liquidator.core.money.fixed import Amount, Price, Qty
from liquidator.simulation.shocks import (
    Shocks,
    Step,
    any_breaks,
    breaking_fraction,
    cross_breaks,
    stress_steps,
)

HORIZON_UNITS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}
MAX_HORIZON_MS = 10 * 365 * 86_400_000  # ten years
MAX_STEPS = 1_000


def add_commands(commands: Any) -> None:
    shock = commands.add_parser("stress", help="what price shocks do to an account file")
    shock.add_argument("file", type=Path, help="an account file (as for liquidator risk)")
    shock.add_argument(
        "--shock",
        required=True,
        action="append",
        help="the largest shock: -20%% (every symbol) or BTCUSDT=-10%% (repeat per symbol)",
    )
    shock.add_argument(
        "--steps", type=whole(1, MAX_STEPS), default=10, help="steps from 0 to the shock"
    )
    shock.add_argument("--json", action="store_true")
    chance = commands.add_parser(
        "probability", help="the chance of reaching the liquidation price within a horizon"
    )
    chance.add_argument("--symbol", default="BTCUSDT")
    chance.add_argument("--side", choices=("LONG", "SHORT"), default="LONG")
    chance.add_argument("--entry", required=True, help="entry price (also the mark)")
    chance.add_argument("--leverage", type=whole(1, 125), default=20, help="isolated leverage")
    chance.add_argument(
        "--volatility", type=real(0, 20, above_low=True), help="annualised, e.g. 0.6 for 60%%"
    )
    chance.add_argument("--klines", type=Path, help="estimate the volatility from 1m klines")
    chance.add_argument("--horizon", default="24h", help="e.g. 30m, 8h, 7d")
    chance.add_argument(
        "--target",
        type=real(0, 0.999999, above_low=True),
        default=0.01,
        help="for the safe leverage",
    )
    chance.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    try:
        body = _stress(args) if args.command == "stress" else _probability(args)
    except (InputError, AccountError, ValueError, OSError) as error:
        print(f"liquidator: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(body, indent=2))
    return 0


def _fraction(text: str) -> Fraction:
    """Read ``-20%`` or ``-0.2`` (a decimal in ASCII, at most 64 characters) exactly."""
    value = text.strip()
    try:
        number = Fraction(decimal(value.removesuffix("%")))
    except argparse.ArgumentTypeError as error:
        raise ValueError(f"--shock: {error} (a percentage like -20%, or -0.2)") from None
    shock = number / 100 if value.endswith("%") else number
    if not -1 < shock < 10:
        raise ValueError(f"--shock: {value} is not within (-100%, +1000%)")
    return shock


def _shocks(values: list[str]) -> Shocks:
    """Read ``-20%`` (every symbol) and ``BTCUSDT=-10%`` (one symbol) shocks."""
    by_symbol: dict[str, Fraction] = {}
    default = None
    for value in values:
        symbol, _, text = value.rpartition("=")
        if not symbol:
            default = _fraction(text)
        elif symbol.strip().isalnum() and symbol.isascii():
            by_symbol[symbol.strip().upper()] = _fraction(text)
        else:
            raise ValueError(f"--shock: {printable(symbol)[:20]!r} is not a symbol")
    return Shocks(by_symbol, default)


def _percent(value: Fraction) -> str:
    return f"{Decimal(value.numerator) / value.denominator:.2%}"


def _stress(args: argparse.Namespace) -> dict[str, Any]:
    market = bundled_market()
    account = parse_account(load_json(args.file, "FILE"), market)
    shocks = _shocks(args.shock)
    symbols = sorted({p.symbol for p in account.positions})
    unknown = sorted(set(shocks.by_symbol) - set(symbols))
    if unknown:
        raise ValueError(f"--shock: {unknown[0]} is not a symbol of the account")
    tables = dict(market.brackets)
    steps = stress_steps(account, tables, shocks, args.steps)
    rows = [_stress_row(step, shocks, symbols) for step in steps]
    breaks_at = _at(breaking_fraction(account, tables, shocks, cross_breaks), shocks, symbols)
    first = _at(breaking_fraction(account, tables, shocks, any_breaks), shocks, symbols)
    if not args.json:
        _render_stress(args, rows, breaks_at, first)
    return {
        "file": printable(args.file),
        "steps": rows,
        "breaksAt": breaks_at,
        "firstLiquidationAt": first,
    }


def _at(fraction: Fraction | None, shocks: Shocks, symbols: list[str]) -> dict[str, str] | None:
    if fraction is None:
        return None
    return {s: _percent(fraction * shocks.of(s)) for s in symbols if shocks.of(s)}


def _stress_row(step: Step, shocks: Shocks, symbols: list[str]) -> dict[str, Any]:
    moves = {s: _percent(step.fraction * shocks.of(s)) for s in symbols if shocks.of(s)}
    same = len(set(moves.values())) == 1 and len(moves) == len(symbols)
    return {
        "shock": next(iter(moves.values())) if same else moves,
        "shocks": moves,
        "marginRatio": step.margin_ratio.fixed(4) if step.margin_ratio else None,
        "liquidated": list(step.liquidated),
        "surviving": step.surviving,
        "equity": step.equity.fixed(2),
    }


def _render_stress(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    breaks_at: dict[str, str] | None,
    first: dict[str, str] | None,
) -> None:
    table = Table(title=f"Stress of {printable(args.file.name)}")
    for name in ("shock", "cross margin ratio", "liquidated at this step", "left", "equity"):
        table.add_column(name, justify="left" if name.startswith("liq") else "right")
    for row in rows:
        ratio = "gone" if row["marginRatio"] is None else f"{Decimal(row['marginRatio']):.2%}"
        shock = (
            row["shock"]
            if isinstance(row["shock"], str)
            else ", ".join(f"{s} {v}" for s, v in row["shocks"].items())
        )
        table.add_row(
            shock, ratio, ", ".join(row["liquidated"]) or "-", str(row["surviving"]), row["equity"]
        )
    console = Console()
    console.print(table)
    if first is not None:
        moves = ", ".join(f"{s} {v}" for s, v in first.items())
        console.print(f"First liquidation at {moves}.")
    if breaks_at is not None:
        moves = ", ".join(f"{s} {v}" for s, v in breaks_at.items())
        console.print(f"The cross account breaks (margin ratio 100%) at {moves}.")
    elif first is None:
        console.print("Nothing is liquidated before the marks reach zero or +1000%.")


def _horizon(text: str) -> int:
    """Read ``30m``, ``8h`` or ``7d`` as milliseconds: more than 0, at most ten years."""
    unit = text.strip()[-1:]
    try:
        amount = decimal(text.strip()[:-1]) if unit in HORIZON_UNITS else None
    except argparse.ArgumentTypeError:
        amount = None
    if amount is None:
        raise ValueError(f"--horizon: {shortened(printable(text))!r} is not like 30m, 8h or 7d")
    if not 0 < amount * HORIZON_UNITS[unit] <= MAX_HORIZON_MS:
        raise ValueError(f"--horizon: {text.strip()} must be more than 0 and at most 3650d")
    return max(1, int(amount * HORIZON_UNITS[unit]))


MODEL = "geometric Brownian motion with drift -sigma^2/2 (the price a martingale)"
SHORT_DATA_MINUTES = 1_440


def _sigma(args: argparse.Namespace, warnings: list[str]) -> float:
    if args.volatility is not None:
        return float(args.volatility)
    if args.klines is None:
        raise ValueError("give --volatility or --klines to estimate it")
    closes = [bar.close / 10**8 for bar in read_klines(args.klines)]
    if len(closes) < 3:
        name = printable(args.klines)
        raise ValueError(f"--klines: {name}: {len(closes)} klines; 3 are needed for a volatility")
    sigma = volatility(closes, 60_000)
    minutes = len(closes) - 1
    if minutes < SHORT_DATA_MINUTES:
        warnings.append(
            f"{minutes} minutes of klines annualised to {sigma:.0%} a year: under a day of data "
            "says little about a year (a crash window inflates it, a calm hour shrinks it); "
            "give --volatility or a longer file"
        )
    return sigma


def _liquidation(market: Market, args: argparse.Namespace, leverage: int) -> Price | None:
    """The exact liquidation price of 1 unit at ``--entry``, isolated with its opening margin."""
    instrument = market.instrument(args.symbol.upper())
    table = market.bracket_table(args.symbol.upper())
    if table is not None and leverage > table.max_leverage:
        raise ValueError(f"--leverage: {leverage} is above {args.symbol}'s maximum")
    if instrument is None or table is None or instrument.is_inverse:
        raise ValueError(f"--symbol: {args.symbol!r} is not a USDⓈ-M symbol of the market")
    entry = _entry(args.entry)
    quantity = Qty.of("1") if args.side == "LONG" else Qty.of("-1")
    probe = Position(
        instrument, PositionSide.BOTH, quantity, entry, entry, MarginType.CROSS, leverage
    )
    position = replace(
        probe, margin_type=MarginType.ISOLATED, isolated_wallet=opening_margin(probe)
    )
    risk = assess_account(
        Account(Amount.zero(instrument.margin_asset), (position,)), market.brackets
    )
    return risk.positions[0].liquidation.price


def _entry(text: str) -> Price:
    price = Price(decimal_raw(text, "--entry"))
    if price.raw <= 0:
        raise InputError("--entry", text, "must be positive")
    return price


def _chance(entry: Price, liquidation: Price | None, sigma: float, horizon_ms: int) -> float:
    """The model's probability of reaching ``liquidation`` (a float estimate, not money)."""
    if liquidation is None:
        return 0.0
    return first_passage(float(entry.fraction), float(liquidation.fraction), sigma, horizon_ms)


def _probability(args: argparse.Namespace) -> dict[str, Any]:
    warnings: list[str] = []
    sigma = _sigma(args, warnings)
    horizon = _horizon(args.horizon)
    entry = _entry(args.entry)
    market = bundled_market()
    liquidation = _liquidation(market, args, args.leverage)
    chance = _chance(entry, liquidation, sigma, horizon)
    safe = None
    for leverage in range(125, 0, -1):
        try:
            price = _liquidation(market, args, leverage)
        except ValueError:
            continue  # above the bracket's maximum
        if _chance(entry, price, sigma, horizon) <= args.target:
            safe = leverage
            break
    body = {
        "symbol": args.symbol.upper(),
        "side": args.side,
        "entry": args.entry,
        "leverage": args.leverage,
        "liquidationPrice": liquidation.fixed(2) if liquidation else None,
        "volatility": round(sigma, 4),
        "horizon": args.horizon,
        "probability": round(chance, 6),
        "target": args.target,
        "safeLeverage": safe,
        "model": MODEL,
        "warnings": warnings,
    }
    if not args.json:
        table = Table(
            title=f"{body['symbol']} {args.side} at {args.entry}, {args.leverage}x isolated"
        )
        table.add_column("what")
        table.add_column("value", justify="right")
        table.add_row("Liquidation price", body["liquidationPrice"] or "--")
        table.add_row("Volatility (annualised)", f"{sigma:.2%}")
        table.add_row(f"P(liquidated within {args.horizon})", f"{chance:.4%}")
        table.add_row(
            f"Highest leverage with P <= {args.target:.2%}", f"{safe}x" if safe else "none"
        )
        console = Console()
        console.print(table)
        console.print(f"Model: {MODEL}.")
        for warning in warnings:
            console.print(f"[yellow]warning:[/] {warning}")
    return body
