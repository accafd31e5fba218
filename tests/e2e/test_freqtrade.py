"""freqtrade 2026.9 in live futures mode on ``liquidator serve``, pointed at it by ccxt's URLs.

freqtrade (``.venv-frameworks/freqtrade``) runs ``frameworks/freqtrade/candle_long.py``, a
strategy that needs 200 past 1m candles before it enters: the server's seeded history gives
them at once, and the flow (``--flow busy``) makes new ones. Live mode (``dry_run`` false), an
isolated 20x long; its liquidation price is the server's (with freqtrade's own 5% buffer
toward the entry), and after ``/admin/crash`` the trade ends by itself: liquidated by the
exchange or closed by freqtrade's liquidation stop.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest

from tests.conftest import REPO
from tests.e2e.busy_market import admin, busy_market, signed
from tests.e2e.conftest import LiveServer

FREQTRADE = REPO / ".venv-frameworks" / "freqtrade" / "bin" / "freqtrade"
STRATEGY = Path(__file__).parent / "frameworks" / "freqtrade" / "candle_long.py"
LIQUIDATION_BUFFER = Decimal("0.05")  # freqtrade's default ``liquidation_buffer``
TICK = Decimal("0.1")  # BTCUSDT's tick size
T = TypeVar("T")


@pytest.fixture
def market(tmp_path: Path) -> Iterator[LiveServer]:
    with busy_market(tmp_path) as live:
        yield live


def config(live: LiveServer, key: dict[str, str]) -> dict[str, Any]:
    """A user's live futures config: only ccxt's URLs name the local exchange."""
    base, ws = live.url, live.url.replace("http://", "ws://")
    api = {
        "fapiPublic": base + "/fapi/v1",
        "fapiPublicV2": base + "/fapi/v2",
        "fapiPublicV3": base + "/fapi/v3",
        "fapiPrivate": base + "/fapi/v1",
        "fapiPrivateV2": base + "/fapi/v2",
        "fapiPrivateV3": base + "/fapi/v3",
        "fapiData": base + "/futures/data",
        "ws": {"future": ws + "/ws"},
    }
    ccxt = {
        "urls": {"api": api},
        "options": {"fetchCurrencies": False, "fetchMarkets": {"types": ["linear"]}},
    }
    pricing = {"price_side": "other", "use_order_book": True, "order_book_top": 1}
    return {
        "trading_mode": "futures",
        "margin_mode": "isolated",
        "dry_run": False,
        "max_open_trades": 1,
        "stake_currency": "USDT",
        "stake_amount": 50,
        "timeframe": "1m",
        "entry_pricing": pricing,
        "exit_pricing": pricing,
        "order_types": {
            "entry": "market",
            "exit": "market",
            "emergency_exit": "market",
            "force_exit": "market",
            "stoploss": "market",
            "stoploss_on_exchange": False,
        },
        "exchange": {
            "name": "binance",
            "key": key["apiKey"],
            "secret": key["secretKey"],
            "ccxt_config": ccxt,
            "ccxt_async_config": ccxt,
            "pair_whitelist": ["BTC/USDT:USDT"],
            "pair_blacklist": [],
        },
        "pairlists": [{"method": "StaticPairList"}],
        "internals": {"process_throttle_secs": 1},
        "bot_name": "liquidator-e2e",
        "initial_state": "running",
    }


def trade(database: Path) -> dict[str, Any] | None:
    """Return freqtrade's first trade (None before it has one)."""
    if not database.exists():
        return None
    with closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        try:
            row = connection.execute("SELECT * FROM trades ORDER BY id LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # the tables are not made yet
            return None
    return dict(row) if row is not None else None


def open_trade(database: Path) -> dict[str, Any] | None:
    found = trade(database)
    return found if found and found["is_open"] and found["liquidation_price"] else None


def closed_trade(database: Path) -> dict[str, Any] | None:
    found = trade(database)
    return found if found and not found["is_open"] else None


def wait(what: str, probe: Callable[[], T | None], seconds: float, log: Path) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    tail = log.read_text()[-4000:] if log.exists() else ""
    pytest.fail(f"freqtrade: {what} within {seconds:.0f} s\n{tail}")


def run_bot(
    market: LiveServer, key: dict[str, str], folder: Path, output: IO[str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Run freqtrade until its trade is open, crash the market, wait for the trade to end.

    Return the server's position while it was open, and freqtrade's trade open and closed.
    """
    database, log = folder / "trades.sqlite", Path(output.name)
    command = [str(FREQTRADE), "trade", "--config", "config.json", "--strategy", "CandleLong"]
    command += ["--userdir", "user_data", "--db-url", f"sqlite:///{database}"]
    bot = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=output)
    try:
        opened = wait(
            "no trade open",
            lambda: open_trade(database),
            120,
            log,
        )
        (position,) = signed(market, key, "/fapi/v2/positionRisk", symbol="BTCUSDT")
        admin(market, "/admin/crash", symbol="BTCUSDT", percent="-10", steps="10")
        closed = wait(
            "the trade not closed after the crash",
            lambda: closed_trade(database),
            90,
            log,
        )
    finally:
        bot.terminate()
        bot.wait(timeout=30)
    return position, opened, closed


def test_freqtrade_trades_live_futures_and_its_trade_ends_after_a_crash(
    market: LiveServer, tmp_path: Path
) -> None:
    if not FREQTRADE.exists():
        pytest.fail(f"{FREQTRADE} is missing: scripts/frameworks creates the frameworks' venvs")
    key = admin(market, "/admin/keys", account="freqtrade")
    admin(market, "/admin/deposit", account="freqtrade", amount="1000", asset="USDT")
    strategies = tmp_path / "user_data" / "strategies"
    strategies.mkdir(parents=True)
    shutil.copy(STRATEGY, strategies)
    (tmp_path / "config.json").write_text(json.dumps(config(market, key)))
    log = tmp_path / "freqtrade.log"
    with log.open("w") as output:  # freqtrade logs to stderr
        position, opened, closed = run_bot(market, key, tmp_path, output)

    server_price = Decimal(position["liquidationPrice"])
    entry = Decimal(position["entryPrice"])
    assert Decimal(position["positionAmt"]) > 0
    assert (opened["leverage"], Decimal(str(opened["open_rate"]))) == (20.0, entry)
    buffered = server_price + (entry - server_price) * LIQUIDATION_BUFFER
    assert abs(Decimal(str(opened["liquidation_price"])) - buffered) <= TICK
    assert Decimal(str(closed["close_rate"])) < entry
    (after,) = signed(market, key, "/fapi/v2/positionRisk", symbol="BTCUSDT")
    assert Decimal(after["positionAmt"]) == 0
    errors = [line for line in log.read_text().splitlines() if " - ERROR - " in line]
    assert not errors, errors[:10]
