"""``liquidator journal PATH`` and ``liquidator journal verify PATH``: read a journal file.

``journal PATH`` restores the journal (the checks every open makes, the latest snapshot against
its state hash, the replay after it) and describes the state. ``journal verify PATH`` checks the
whole file (:mod:`liquidator.app.journal_verify`) and prints a short summary. Both only read:
they work while a server or a simulation writes the file. A fault is one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.journal import JournalError
from liquidator.app.journal_verify import Verification, verify_journal
from liquidator.bootstrap import bundled_market
from liquidator.cli.console import render_session, session_json
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.simulation.session import inspect

EXIT_BAD_INPUT = 2
DESCRIPTION = (
    "liquidator journal PATH restores a journal (latest snapshot checked against its state hash,"
    " then the commands after it, each checked to yield its journaled events) and describes the"
    " state. liquidator journal verify PATH checks the whole file: its tables, that its rows run"
    " 1..last seq, the hash chain over every row, SQLite's integrity check, and a replay from"
    " seq 0 that must reach each kept snapshot's state hash. Either prints one line naming the"
    " fault and the last good seq, and exits 2, on a damaged file. Read-only: safe while a"
    " server or a simulation writes the file."
)


def add_commands(commands: Any) -> None:
    """Add the ``journal`` command to the CLI's subparsers."""
    journal = commands.add_parser(
        "journal",
        help="restore a journal and describe its state, or verify a whole journal file",
        description=DESCRIPTION,
    )
    journal.add_argument(
        "target", nargs="+", metavar="[verify] PATH", help="a SQLite journal (simulate or serve)"
    )
    journal.add_argument("--json", action="store_true", help="print the summary as JSON")
    journal.add_argument(
        "--mark-source",
        choices=("computed", "feed"),
        help="for a journal that does not record its venue configuration (written before it"
        " did): the mark price source it was written with (serve --mark-source)",
    )
    journal.add_argument(
        "--no-market-maker",
        action="store_true",
        help="for a journal that does not record its venue configuration: it was written"
        " without the built-in market maker (serve --no-market-maker)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``journal``; return the exit status."""
    words: list[str] = args.target
    if len(words) == 2 and words[0] == "verify":
        action, path = "verify", Path(words[1])
    elif words == ["verify"] and not Path("verify").exists():
        return _fail("journal verify: the PATH of the journal to verify is required")
    elif len(words) == 1:
        action, path = "describe", Path(words[0])
    else:
        return _fail(f"journal: {' '.join(words)!r}: expected PATH or verify PATH")
    config = _venue_config(args)
    try:
        with SqliteJournal.open_readonly(path) as opened, opened.frozen() as journal:
            if action == "verify":
                return _print_verification(verify_journal(bundled_market(), config, journal), args)
            summary = inspect(bundled_market(), journal, config)
    except (JournalError, OSError) as error:
        return _fail(str(error))
    if args.json:
        sys.stdout.write(json.dumps(session_json(summary), indent=2) + "\n")
    else:
        render_session(summary, Console())
    return 0 if summary.ledger_balanced else 1


def _venue_config(args: argparse.Namespace) -> VenueConfig | None:
    """Return the venue configuration the options name; None (the journal's own) if none."""
    if args.mark_source is None and not args.no_market_maker:
        return None
    return VenueConfig(
        market_maker=None if args.no_market_maker else MarketMakerConfig(),
        mark_source=PriceSource.FEED if args.mark_source == "feed" else PriceSource.COMPUTED,
    )


def _print_verification(result: Verification, args: argparse.Namespace) -> int:
    if args.json:
        body = {
            "journal": result.journal,
            "verified": True,
            "lastSeq": result.last_seq,
            "snapshots": result.snapshots,
            "chainHead": result.chain_head,
            "stateHash": result.state_hash,
        }
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return 0
    kept = ", ".join(str(seq) for seq in result.snapshots) or "none"
    rows = f" (seq 1 to {result.last_seq}), each chained" if result.last_seq else ""
    lines = [
        f"{result.journal}: verified",
        f"  rows        {result.last_seq}{rows}",
        f"  snapshots   {len(result.snapshots)} (at seq {kept}), each matching the replay",
        f"  chain head  {result.chain_head}",
        f"  state hash  {result.state_hash}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"liquidator: error: {message}\n")
    return EXIT_BAD_INPUT
