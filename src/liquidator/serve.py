"""``liquidator serve`` and ``liquidator keys create``: the local exchange's command line.

Composition only: options become :class:`liquidator.api.app.Settings`, uvicorn serves the app.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

import uvicorn

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.adapters.sqlite.keys import SqliteKeyStore
from liquidator.api.app import Settings, create_app
from liquidator.app.collector import tune_collector
from liquidator.app.journal import JournalError
from liquidator.bootstrap import bundled_market
from liquidator.core.market_maker import MarketMakerConfig
from liquidator.core.venue import PriceSource, VenueConfig

DEFAULT_DATABASE = Path("liquidator-exchange.sqlite")


def add_commands(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the local Binance-compatible exchange")
    serve.add_argument("--db", type=Path, default=DEFAULT_DATABASE, help="SQLite journal and keys")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--admin-key", help="the admin API's key (default: a random one, printed)")
    serve.add_argument(
        "--simulated-time",
        type=int,
        metavar="START_MS",
        help="run on simulated time from START_MS (advanced by the admin API) instead of the wall",
    )
    serve.add_argument(
        "--no-price-walk", action="store_true", help="prices only from the admin API"
    )
    serve.add_argument("--walk-seed", type=int, default=7, help="seed of the index random walk")
    serve.add_argument("--walk-bps", type=float, default=5.0, help="random walk step, in bps")
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
    serve.add_argument("--weight-limit", type=int, default=2400, help="request weight a minute")
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


def run(args: argparse.Namespace) -> int:
    if args.command == "keys":
        return _create_key(args)
    return _serve(args)


def _create_key(args: argparse.Namespace) -> int:
    account = args.account
    if not account or len(account) > 64 or not account.replace("-", "").replace("_", "").isalnum():
        print(
            f"liquidator: error: --account: {account!r} is not a valid account name",
            file=sys.stderr,
        )
        return 2
    try:
        SqliteJournal(args.db).close()  # the journal's schema first: the keys live beside it
        store = SqliteKeyStore(args.db)
    except (JournalError, OSError) as error:
        print(f"liquidator: error: {error}", file=sys.stderr)
        return 2
    key = store.create(account)
    store.close()
    print(json.dumps({"account": account, "apiKey": key.key, "secretKey": key.secret}, indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    admin_key = args.admin_key or secrets.token_hex(16)
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
        price_walk=not args.no_price_walk and args.price_file is None,
        price_file=args.price_file,
        price_symbol=args.price_symbol.upper(),
        price_speed=args.price_speed,
        walk_seed=args.walk_seed,
        walk_bps=args.walk_bps,
        snapshot_every=max(1, args.snapshot_every),
    )
    try:
        SqliteJournal(args.db).close()  # a usable journal (or a new one) before the server starts
    except (JournalError, OSError) as error:
        print(f"liquidator: error: --db: {error}", file=sys.stderr)
        return 2
    if args.price_file is not None and not args.price_file.is_file():
        print(f"liquidator: error: --price-file: {args.price_file} does not exist", file=sys.stderr)
        return 2
    if settings.price_symbol not in ("BTCUSDT", "ETHUSDT") or args.price_speed <= 0:
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
        f" admin key {admin_key}",
        file=sys.stderr,
        flush=True,
    )
    tune_collector(freeze=False)  # rare collections: no stall scanning the engine's state
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", ws="websockets")
    return 0
