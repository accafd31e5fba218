"""``liquidator serve`` and ``liquidator keys create``: the local exchange's command line.

Options become :class:`liquidator.api.settings.Settings`; the composition root
(``liquidator.bootstrap.server``) builds the app, uvicorn serves it.

The admin key comes from ``--admin-key-file`` (its first line), ``--admin-key`` (which every
user of the machine can read in the process list: a warning says so) or the environment's
``LIQUIDATOR_ADMIN_KEY``, else it is drawn and printed; a key that was given is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import uvicorn

from liquidator.adapters.marketdata.klines import check_klines
from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.adapters.sqlite.keys import SqliteKeyStore
from liquidator.api.limits import add_limit_options, limits_from
from liquidator.api.settings import Settings
from liquidator.api.transport import uvicorn_options
from liquidator.app.collector import tune_collector
from liquidator.app.flow import FlowError, parse_flow
from liquidator.app.journal import JournalError
from liquidator.app.keys import AccountNameError, PublicKeyError, check_account_name
from liquidator.bootstrap import bundled_market
from liquidator.bootstrap.server import create_app
from liquidator.cli.args import real, whole
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.read.seeded_history import MAX_DAYS as MAX_HISTORY_DAYS

DEFAULT_DATABASE = Path("liquidator-exchange.sqlite")
ADMIN_KEY_VARIABLE = "LIQUIDATOR_ADMIN_KEY"
MAX_KEY_FILE_BYTES = 64 * 1024


class OptionError(ValueError):
    """A command-line option the command cannot use: one line, exit 2."""


def add_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the local Binance-compatible exchange")
    serve.add_argument("--db", type=Path, default=DEFAULT_DATABASE, help="SQLite journal and keys")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=whole(0, 65_535), default=8080)
    serve.add_argument(
        "--admin-key",
        help=f"the admin API's key, seen by all in the process list: prefer ${ADMIN_KEY_VARIABLE}"
        " or --admin-key-file (default: a random key, printed)",
    )
    serve.add_argument(
        "--admin-key-file", type=Path, metavar="PATH", help="read the admin key from its first line"
    )
    serve.add_argument(
        "--simulated-time",
        type=whole(0, 253_402_300_799_999),  # epoch ms, up to the year 9999
        metavar="START_MS",
        help="run on simulated time from START_MS (advanced by the admin API) instead of the wall",
    )
    serve.add_argument(
        "--no-price-walk", action="store_true", help="prices only from the admin API"
    )
    serve.add_argument("--walk-seed", type=int, default=7, help="seed of the index random walk")
    serve.add_argument(
        "--walk-bps", type=real(0, 10_000), default=5.0, help="random walk step, in bps"
    )
    serve.add_argument(
        "--mark-source", choices=("computed", "feed"), default="computed", help="mark price source"
    )
    serve.add_argument(
        "--price-file",
        type=Path,
        help="a Binance 1m kline CSV (plain or zipped) replayed as the index price",
    )
    serve.add_argument("--price-symbol", default="BTCUSDT", help="the symbol the file prices")
    serve.add_argument(
        "--price-speed", type=float, default=1.0, help="replay speed, times real time"
    )
    serve.add_argument("--no-market-maker", action="store_true", help="no built-in liquidity")
    serve.add_argument(
        "--flow",
        type=_flow_rate,
        default="calm",
        metavar="none|calm|busy|N",
        help="background takers: trades a minute per symbol (calm 6, busy 60; default calm)",
    )
    serve.add_argument(
        "--history",
        type=real(0, MAX_HISTORY_DAYS),
        default=2.0,
        metavar="DAYS",
        help="days of past 1m candles written on a fresh venue (default 2; 0: none)",
    )
    serve.add_argument(
        "--history-file",
        type=Path,
        metavar="PATH",
        help="a Binance 1m kline CSV whose last minutes the past follows (default: a seeded walk)",
    )
    serve.add_argument(
        "--weight-limit", type=whole(0, 10**9), default=2400, help="request weight a minute"
    )
    add_limit_options(serve)
    serve.add_argument("--no-timestamp-check", action="store_true", help="accept any timestamp")
    serve.add_argument(
        "--snapshot-every",
        type=int,
        default=200_000,
        help="commands between snapshots (default 200000; one is taken at shutdown too)",
    )
    keys = commands.add_parser("keys", help="manage the local exchange's API keys")
    actions = keys.add_subparsers(dest="keys_command", required=True, parser_class=type(keys))
    create = actions.add_parser("create", help="create an API key for an account")
    create.add_argument("--account", required=True)
    create.add_argument("--db", type=Path, default=DEFAULT_DATABASE)
    create.add_argument(
        "--ed25519-public-key",
        type=Path,
        metavar="FILE",
        help="register this Ed25519 public key (PEM) instead of drawing an HMAC secret",
    )


def _flow_rate(text: str) -> float:
    try:
        return parse_flow(text)
    except FlowError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    if args.command == "keys":
        return _create_key(args)
    return _serve(args)


def _create_key(args: argparse.Namespace) -> int:
    try:
        account = check_account_name(args.account)
        public_key = None
        if args.ed25519_public_key is not None:
            public_key = _read_text(args.ed25519_public_key, "--ed25519-public-key")
        store = _key_store(args.db)
    except AccountNameError as error:
        return _fail(f"--account: {error}")
    except (OptionError, JournalError, OSError) as error:
        return _fail(str(error))
    try:
        if public_key is None:
            key = store.create(account)
            shown = {"account": account, "apiKey": key.key, "secretKey": key.secret}
        else:
            key = store.register(account, public_key)
            shown = {"account": account, "apiKey": key.key, "keyType": key.kind.value}
    except PublicKeyError as error:
        return _fail(f"--ed25519-public-key: {args.ed25519_public_key}: {error}")
    finally:
        store.close()
    print(json.dumps(shown, indent=2))
    return 0


def _key_store(database: Path) -> SqliteKeyStore:
    """Open the keys beside the journal at ``database``, made or migrated first if need be.

    A journal a running server holds (its writer lock) is checked read-only: the key is added
    beside it, and the server finds it on its next request.
    """
    if database.exists():
        try:
            SqliteJournal.open_readonly(database).close()
        except JournalError:  # a journal to migrate (no server holds it), or a broken one
            SqliteJournal(database).close()
    else:
        SqliteJournal(database).close()
    return SqliteKeyStore(database)


def _admin_key(args: argparse.Namespace) -> tuple[str, str | None]:
    """Return the admin key and where it came from (None: drawn now, so it may be printed)."""
    given = [
        name
        for name, value in (
            ("--admin-key", args.admin_key),
            ("--admin-key-file", args.admin_key_file),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise OptionError("--admin-key, --admin-key-file: give one of them")
    if args.admin_key_file is not None:
        lines = _read_text(args.admin_key_file, "--admin-key-file").splitlines()
        return _checked_key(lines[0] if lines else "", "--admin-key-file"), "--admin-key-file"
    if args.admin_key is not None:
        print(
            "liquidator: warning: --admin-key is visible to every user in the process list;"
            f" use ${ADMIN_KEY_VARIABLE} or --admin-key-file",
            file=sys.stderr,
        )
        return _checked_key(args.admin_key, "--admin-key"), "--admin-key"
    if ADMIN_KEY_VARIABLE in os.environ:
        return _checked_key(os.environ[ADMIN_KEY_VARIABLE], ADMIN_KEY_VARIABLE), ADMIN_KEY_VARIABLE
    return secrets.token_hex(16), None


def _checked_key(key: str, source: str) -> str:
    """Return ``key`` without surrounding blanks if it can travel in a header; never echo it."""
    key = key.strip()
    if not key or len(key) > 256 or not all("!" <= c <= "~" for c in key):
        raise OptionError(
            f"{source}: the admin key must be 1-256 printable ASCII characters without spaces"
        )
    return key


def _read_text(path: Path, option: str) -> str:
    """Return a small text file's content; ``OptionError`` naming ``option`` if it cannot."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as error:
        raise OptionError(f"{option}: cannot read {path}: {error.strerror or error}") from error
    if len(data) > MAX_KEY_FILE_BYTES:
        raise OptionError(f"{option}: {path} is larger than {MAX_KEY_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OptionError(f"{option}: {path} is not UTF-8 text") from error


def _fail(message: str) -> int:
    print(f"liquidator: error: {message}", file=sys.stderr)
    return 2


def _serve(args: argparse.Namespace) -> int:
    try:
        admin_key, admin_key_source = _admin_key(args)
    except OptionError as error:
        return _fail(str(error))
    venue = VenueConfig(
        market_maker=None if args.no_market_maker else MarketMakerConfig(),
        mark_source=PriceSource.FEED if args.mark_source == "feed" else PriceSource.COMPUTED,
    )
    settings = Settings(
        market=bundled_market(),
        database=args.db,
        venue=venue,
        admin_key=admin_key,
        simulated_start_ms=args.simulated_time,
        check_timestamp=not args.no_timestamp_check,
        weight_limit=args.weight_limit,
        limits=limits_from(args),
        price_walk=not args.no_price_walk and args.price_file is None,
        price_file=args.price_file,
        price_symbol=args.price_symbol.upper(),
        price_speed=args.price_speed,
        walk_seed=args.walk_seed,
        walk_bps=args.walk_bps,
        snapshot_every=max(1, args.snapshot_every),
        flow_per_minute=args.flow,
        history_days=args.history,
        history_file=args.history_file,
    )
    try:
        SqliteJournal(args.db).close()  # a usable journal (or a new one) before the server starts
    except (JournalError, OSError) as error:
        print(f"liquidator: error: --db: {error}", file=sys.stderr)
        return 2
    for option, path in (("--price-file", args.price_file), ("--history-file", args.history_file)):
        try:  # every row now: a bad one would otherwise stop the server once it is serving
            if path is not None:
                check_klines(path)
        except ValueError as error:  # the file's name, row and what is wrong
            print(f"liquidator: error: {option}: {error}", file=sys.stderr)
            return 2
    if settings.price_symbol not in ("BTCUSDT", "ETHUSDT") or not args.price_speed > 0:
        print(
            "liquidator: error: --price-symbol/--price-speed: a listed symbol, a positive speed",
            file=sys.stderr,
        )
        return 2
    try:
        app = create_app(settings)
    except (JournalError, OSError) as error:
        print(f"liquidator: error: {error}", file=sys.stderr)
        return 2
    print(
        f"liquidator exchange on http://{args.host}:{args.port} (journal {args.db});"
        f" admin key {admin_key if admin_key_source is None else 'from ' + admin_key_source}",
        file=sys.stderr,
        flush=True,
    )
    tune_collector(freeze=False)  # rare collections: no stall scanning the engine's state
    options = uvicorn_options(settings.limits)  # protocols, timeouts, connections per address
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", **options)
    return 0
