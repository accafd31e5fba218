"""``liquidator postmortem`` and ``liquidator explain``: one report of a liquidation.

``postmortem`` reads an account from Binance's API (``--base-url``, the key and secret from
``BINANCE_API_KEY``/``BINANCE_API_SECRET`` or ``--key-file``), from the CSV files Binance's
website exports (``--csv``), or from a liquidator journal (``--journal`` with ``--account``);
``explain JOURNAL --account NAME`` is the journal's case. Output: the terminal (rich), ``--json``,
``--markdown FILE``, ``--html FILE``. Any failure is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from liquidator.adapters.binance.client import BINANCE_COINM, BINANCE_USDM, MARKETS
from liquidator.adapters.binance.fields import InputError
from liquidator.adapters.input_files import InputFileError, printable
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.explain import journal_events, journal_history
from liquidator.app.journal import JournalError
from liquidator.bootstrap import build_market
from liquidator.cli.args import time_ms
from liquidator.core.contracts.market import Market
from liquidator.core.exchange.codec import CodecError
from liquidator.postmortem.analysis import Report, analyse
from liquidator.postmortem.api_source import api_history
from liquidator.postmortem.csv_source import csv_history
from liquidator.postmortem.records import History, PostmortemError
from liquidator.postmortem.report_html import report_html
from liquidator.postmortem.report_json import report_json
from liquidator.postmortem.report_markdown import report_markdown
from liquidator.postmortem.report_text import report_lines

EXIT_BAD_INPUT = 2


def add_range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", type=str.upper, help="only liquidations of this symbol")
    parser.add_argument(
        "--from", dest="start_ms", type=time_ms, default=0, help="start: epoch ms or ISO time"
    )
    parser.add_argument(
        "--to", dest="end_ms", type=time_ms, default=None, help="end: epoch ms or ISO time"
    )


def add_commands(commands: Any) -> None:
    post = commands.add_parser(
        "postmortem", help="the post-mortem of a liquidation: from Binance's API, CSV or a journal"
    )
    post.add_argument("--market", type=_market, default="usdm", help="usdm or coinm (/dapi)")
    post.add_argument(
        "--base-url", help=f"Binance REST base URL (default {BINANCE_USDM}, coinm {BINANCE_COINM})"
    )
    post.add_argument("--key-file", type=Path, help="API key and secret, one per line")
    post.add_argument("--csv", type=Path, nargs="+", help="Binance website exports (see README)")
    post.add_argument("--klines", type=Path, help="mark-price 1m klines CSV for --csv")
    post.add_argument("--journal", type=Path, help="a liquidator journal (SQLite)")
    post.add_argument("--account", help="the account in --journal")
    add_range_options(post)
    _output_options(post)
    post.add_argument("--brackets", type=Path, help="leverageBracket JSON (offline sources)")
    post.add_argument("--exchange-info", type=Path, help="exchangeInfo JSON adding contracts")


def _market(text: str) -> str:
    body = text.strip().lower()
    if body not in MARKETS:
        shown = "".join(c if c.isprintable() else "?" for c in text)[:40]
        raise argparse.ArgumentTypeError(f"{shown!r} is not usdm or coinm")
    return body


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--markdown", type=Path, help="write the report as Markdown")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML page")


def add_explain_outputs(parser: argparse.ArgumentParser) -> None:
    _output_options(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``postmortem``; return the exit status."""
    try:
        market = build_market(args.exchange_info, args.brackets)
        history, market, exact = _history(args, market)
        report = analyse(
            history,
            market,
            account=args.account,
            symbol=args.symbol,
            start_ms=args.start_ms,
            end_ms=args.end_ms if args.end_ms is not None else 2**63,
            exact_marks=exact,
        )
        _emit(report, args)
    except (PostmortemError, InputError, InputFileError, JournalError, CodecError) as error:
        return _fail(str(error))
    except (sqlite3.Error, OSError) as error:
        return _fail(f"{error}")
    return 0


def explain(args: argparse.Namespace) -> int:
    """Run ``explain JOURNAL --account NAME``: the journal's post-mortem."""
    args.journal, args.json = args.path, getattr(args, "json", False)
    for name in ("markdown", "html", "exchange_info", "brackets"):
        setattr(args, name, getattr(args, name, None))
    args.csv = args.base_url = args.key_file = args.klines = None
    args.market = "usdm"
    if args.end_ms == 2**63:
        args.end_ms = None
    return run(args)


def _fail(message: str) -> int:
    print(f"liquidator: error: {message.splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _history(args: argparse.Namespace, market: Market) -> tuple[History, Market, bool]:
    chosen = [name for name in ("journal", "csv") if getattr(args, name)]
    if len(chosen) > 1:
        raise PostmortemError("give one source: --journal, --csv or --base-url")
    if args.journal is not None:
        if not args.account:
            raise PostmortemError("--account: is required with --journal")
        return _journal(args.journal, args.account), market, True
    if args.csv:
        return csv_history(args, market)
    history, market = api_history(args, market)
    return history, market, False


def _journal(path: Path, account: str) -> History:
    with SqliteJournal.open_readonly(path) as journal:
        return journal_history(journal_events(journal), account, f"journal {printable(path)}")


def _emit(report: Report, args: argparse.Namespace) -> None:
    if args.markdown is not None:
        args.markdown.write_text(report_markdown(report), encoding="utf-8")
    if args.html is not None:
        args.html.write_text(report_html(report), encoding="utf-8")
    if args.json:
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
        return
    console = Console(highlight=False)
    for line in report_lines(report):
        style = "bold" if line and not line.startswith(" ") and line.endswith(":") else ""
        if line.startswith(("Liquidation", "NOT consistent")):
            style = "bold red" if line.startswith("NOT") else "bold"
        console.print(Text(line, style=style), soft_wrap=True)
