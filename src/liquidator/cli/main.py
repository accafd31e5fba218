"""Command line: ``liquidator risk FILE``, ``liq-price``, ``simulate``, ``journal``, ``explain``.

Bad input prints one line, ``liquidator: error: <field>: <value> <reason>``, and exits with 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, NoReturn

from rich.console import Console
from rich.progress import Progress

from liquidator import __version__
from liquidator.adapters.binance.account_file import parse_account, parse_position
from liquidator.adapters.binance.fields import InputError, decimal_raw, load_json
from liquidator.adapters.binance.risk_json import account_risk_json
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.collector import tune_collector
from liquidator.app.journal import JournalError
from liquidator.bootstrap import build_market, bundled_market
from liquidator.cli.args import decimal, time_ms, whole
from liquidator.cli.console import render_account_risk, render_session, session_json
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account_risk import AccountRisk, assess_account
from liquidator.core.margin.position import Position
from liquidator.core.margin.position_margin import exact_notional, opening_margin
from liquidator.core.money.fixed import Amount
from liquidator.simulation.session import SessionSummary, simulate
from liquidator.simulation.workload import WorkloadConfig

EXIT_BAD_INPUT = 2

#: The command groups in modules of their own and the commands each adds. A group's module, and
#: what it imports (the server, Binance's client library, Dask...), loads only when one of its
#: commands runs or the whole parser is built (``--help``, the docs test): every command starts
#: without paying for the others.
COMMAND_GROUPS: Final = (
    ("liquidator.cli.journal", ("journal",)),
    ("liquidator.cli.serve", ("serve", "keys")),
    ("liquidator.cli.replay", ("replay", "scenarios")),
    ("liquidator.cli.tools", ("stress", "probability")),
    ("liquidator.cli.monitor", ("monitor",)),
    ("liquidator.cli.postmortem", ("postmortem",)),
    ("liquidator.cli.plan", ("plan",)),
    ("liquidator.cli.sweep", ("sweep",)),
)

#: liq-price flags, by the positionRisk field they fill (for error messages).
FLAG_OF_FIELD = {
    "symbol": "--symbol",
    "positionAmt": "--quantity",
    "entryPrice": "--entry",
    "markPrice": "--mark",
    "leverage": "--leverage",
    "isolatedWallet": "--wallet",
    "crossWalletBalance": "--wallet",
    "marginType": "--margin-type",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the parser of every command, or of ``command`` only (the others as names)."""
    parser = _Parser(prog="liquidator", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"liquidator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    risk = commands.add_parser("risk", help="risk report of an account exported from Binance")
    risk.add_argument("file", type=Path, help="account JSON: crossWalletBalance + positions")
    _add_market_options(risk)

    liq = commands.add_parser("liq-price", help="liquidation price of one position from flags")
    liq.add_argument("--symbol", required=True, help="e.g. BTCUSDT or BTCUSD_PERP")
    liq.add_argument("--side", required=True, type=str.upper, choices=["LONG", "SHORT"])
    liq.add_argument("--quantity", required=True, help="base units (USD-M) or contracts (COIN-M)")
    liq.add_argument("--entry", required=True, help="entry price")
    liq.add_argument(
        "--leverage", help="leverage (default: notional / wallet, rounded down, within the bracket)"
    )
    liq.add_argument(
        "--wallet",
        help="isolated wallet (default: notional / leverage), or the cross wallet with "
        "--margin-type cross",
    )
    liq.add_argument("--margin-type", default="isolated", choices=["isolated", "cross"])
    liq.add_argument("--mark", help="mark price (default: the entry price)")
    _add_market_options(liq)

    sim = commands.add_parser(
        "simulate", help="run a seeded trading session on the exchange core, journaled to SQLite"
    )
    sim.add_argument(
        "--journal",
        type=Path,
        default=Path("liquidator.sqlite"),
        help="SQLite journal, created or resumed (default: liquidator.sqlite)",
    )
    sim.add_argument(
        "--commands", type=_positive_int, default=5_000, help="commands to run (default 5000)"
    )
    sim.add_argument(
        "--seed", type=whole(0, 2**63 - 1), default=7, help="workload seed (default 7)"
    )
    sim.add_argument(
        "--accounts", type=_positive_int, default=50, help="trading accounts (default 50)"
    )
    sim.add_argument(
        "--snapshot-every",
        type=_positive_int,
        default=1_000,
        help="commands between snapshots (default 1000)",
    )
    sim.add_argument(
        "--batch",
        type=_positive_int,
        default=1,
        help="commands per journal transaction (default 1: each durable)",
    )
    sim.add_argument(
        "--crash",
        type=_percent_bps,
        default=0,
        help="drop every index by this percent at once, after --crash-after commands",
    )
    sim.add_argument(
        "--crash-after",
        type=_positive_int,
        default=2_000,
        help="commands before the crash (default 2000)",
    )
    sim.add_argument("--json", action="store_true", help="print the summary as JSON")

    explain = commands.add_parser(
        "explain", help="tell an account's liquidations in a journal, line by line"
    )
    explain.add_argument("path", type=Path, help="SQLite journal")
    explain.add_argument("--account", required=True, help="the liquidated account")
    explain.add_argument("--symbol", type=str.upper, help="only liquidations involving it")
    explain.add_argument(
        "--from", dest="start_ms", type=time_ms, default=0, help="start: epoch ms or ISO time"
    )
    explain.add_argument(
        "--to", dest="end_ms", type=time_ms, default=2**63, help="end: epoch ms or ISO time"
    )
    if command in (None, "explain"):
        _group("liquidator.cli.postmortem").add_explain_outputs(explain)
    for module, names in COMMAND_GROUPS:
        if command is None or command in names:
            _group(module).add_commands(commands)
        else:  # a name only: this run never parses its options
            for name in names:
                commands.add_parser(name)
    return parser


def _group(module: str) -> Any:
    """Return a command group's module (imported now, once)."""
    return importlib.import_module(module)


def _command_in(argv: Sequence[str]) -> str | None:
    """Return the command ``argv`` names, None if it names none this CLI knows."""
    known = {"risk", "liq-price", "simulate", "explain"}
    known.update(name for _, names in COMMAND_GROUPS for name in names)
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in known else None


def _percent_bps(text: str) -> int:
    """Read a crash size like ``15`` or ``15%`` (0 to 99.99) as basis points."""
    value = decimal(text.strip().removesuffix("%"))
    if not 0 <= value < 100 or (value * 100) % 1:
        raise argparse.ArgumentTypeError(f"{text} must be a percentage from 0 to 99.99")
    return int(value * 100)


_positive_int = whole(1, 2**63 - 1)


def _add_market_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--brackets", type=Path, help="leverageBracket JSON replacing the bundled")
    parser.add_argument("--exchange-info", type=Path, help="exchangeInfo JSON adding contracts")
    parser.add_argument("--json", action="store_true", help="print Binance-named JSON")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = _joined_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser(_command_in(argv)).parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error already printed
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    if args.command == "simulate":
        return _run_session(args)
    if args.command == "explain":
        return _explain(args)
    for module, names in COMMAND_GROUPS:
        if args.command in names:
            return int(_group(module).run(args))
    try:
        market = build_market(args.exchange_info, args.brackets)
        risk = _risk(args.file, market) if args.command == "risk" else _liq_price(args, market)
    except InputError as error:
        print(f"liquidator: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _print(risk, as_json=args.json)
    return 0


def _joined_negative_values(argv: list[str]) -> list[str]:
    """Let ``--shock -20%`` mean ``--shock=-20%`` (argparse would take -20% for an option)."""
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] == "--shock" and item.startswith("-") and item[1:2].isdigit():
            joined[-1] = f"--shock={item}"
        else:
            joined.append(item)
    return joined


def _run_session(args: argparse.Namespace) -> int:
    market = bundled_market()
    try:
        config = WorkloadConfig(
            seed=args.seed,
            accounts=args.accounts,
            crash_bps=args.crash,
            crash_after=args.crash_after,
        )
        summary = _simulate(args, market, config)
    except (JournalError, sqlite3.Error, OSError) as error:
        print(f"liquidator: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        sys.stdout.write(json.dumps(session_json(summary), indent=2) + "\n")
    else:
        render_session(summary, Console())
    return 0 if summary.ledger_balanced else 1


def _explain(args: argparse.Namespace) -> int:
    return int(_group("liquidator.cli.postmortem").explain(args))


def _simulate(args: argparse.Namespace, market: Market, config: WorkloadConfig) -> SessionSummary:
    console = Console(stderr=True)
    tune_collector()
    with Progress(console=console, disable=args.json or not console.is_terminal) as bar:
        task = bar.add_task("simulating", total=args.commands)
        with SqliteJournal(args.journal) as journal:
            return simulate(
                market,
                journal,
                commands=args.commands,
                workload=config,
                snapshot_every=args.snapshot_every,
                batch=args.batch,
                progress=lambda done: bar.update(task, completed=done),
            )


def _risk(path: Path, market: Market) -> AccountRisk:
    account = parse_account(load_json(path, "FILE"), market)
    return assess_account(account, market.brackets)


def _liq_price(args: argparse.Namespace, market: Market) -> AccountRisk:
    """Report one position given by flags, through the same checks as an account file."""
    if decimal_raw(args.quantity, "--quantity") <= 0:
        raise InputError("--quantity", args.quantity, "must be positive (use --side for SHORT)")
    if args.leverage is None and args.wallet is None:
        raise InputError("--leverage", None, "or --wallet is required")
    if args.margin_type == "cross" and args.wallet is None:
        raise InputError("--wallet", None, "is required with --margin-type cross")
    quantity = args.quantity.strip()
    row: dict[str, Any] = {
        "symbol": args.symbol.upper(),
        "positionAmt": quantity if args.side == "LONG" else f"-{quantity}",
        "entryPrice": args.entry,
        "markPrice": args.mark if args.mark is not None else args.entry,
        "marginType": "cross",
        "leverage": args.leverage if args.leverage is not None else "1",
    }
    try:
        probe = parse_position(row, "", market)  # checks symbol, quantity, prices, leverage
        if args.leverage is None:
            row["leverage"] = str(_leverage_posting(probe, args.wallet, market))
        cross_wallet = args.wallet if args.margin_type == "cross" else "0"
        if args.margin_type == "isolated":
            row["marginType"] = "isolated"
            row["isolatedWallet"] = args.wallet or opening_margin(probe).fixed()
        account = parse_account({"crossWalletBalance": cross_wallet, "positions": [row]}, market)
    except InputError as error:
        raise _as_flag_error(error) from None
    return assess_account(account, market.brackets)


def _leverage_posting(position: Position, wallet: str, market: Market) -> int:
    """Return the leverage at which opening ``position`` locks no more than ``wallet``.

    ``floor(notional at entry / wallet)``, kept between 1 and the bracket's maximum.
    """
    funds = Amount(decimal_raw(wallet, "--wallet"), position.margin_asset)
    if funds.raw <= 0:
        raise InputError("--wallet", wallet, "must be positive")
    notional = exact_notional(position, position.entry_price.fraction)
    table = market.brackets[position.symbol]
    ceiling = table.max_leverage_at(notional)
    return max(1, min(ceiling, math.floor(notional / funds.fraction)))


def _as_flag_error(error: InputError) -> InputError:
    field = error.field.rsplit(".", 1)[-1] if error.field else ""
    flag = FLAG_OF_FIELD.get(field)
    if flag is None:
        return error
    return InputError(flag, error.value, error.reason)


def _print(risk: AccountRisk, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(account_risk_json(risk), indent=2) + "\n")
        return
    render_account_risk(risk, Console())


if __name__ == "__main__":
    raise SystemExit(main())
