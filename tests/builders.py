"""Builders for tests: accounts as Binance-export documents, and running the CLI in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from liquidator.bootstrap import bundled_market
from liquidator.cli import main
from liquidator.core.engine import Engine
from liquidator.core.exchange.events import Event
from liquidator.simulation.session import SESSION_CONFIG
from liquidator.simulation.workload import Workload, WorkloadConfig


def position_row(
    symbol: str = "BTCUSDT",
    amount: str = "1",
    entry: str = "60000",
    mark: str | None = None,
    margin_type: str = "isolated",
    wallet: str | None = "3000",
    leverage: str = "20",
    side: str = "BOTH",
) -> dict[str, Any]:
    """Return a ``positionRisk`` row with Binance's field names."""
    row: dict[str, Any] = {
        "symbol": symbol,
        "positionSide": side,
        "positionAmt": amount,
        "entryPrice": entry,
        "markPrice": mark if mark is not None else entry,
        "marginType": margin_type,
        "leverage": leverage,
    }
    if wallet is not None:
        row["isolatedWallet"] = wallet
    return row


def write_account(
    folder: Path, rows: list[dict[str, Any]], cross_wallet: str = "0", name: str = "account.json"
) -> Path:
    path = folder / name
    document = {"crossWalletBalance": cross_wallet, "positions": rows}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run ``liquidator ARGV --json`` in-process and return the parsed report."""
    status = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    report: dict[str, Any] = json.loads(captured.out)
    return report


def run_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``liquidator ARGV`` in-process, expect exit status 2 and return the error line."""
    status = main(list(argv))
    captured = capsys.readouterr()
    assert status == 2, captured.out
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def liq_price_argv(**flags: str | None) -> list[str]:
    """Return ``liq-price`` arguments: a 20x BTCUSDT long of 1 @ 60000, with ``flags`` changed.

    Keys are flag names without dashes (``margin_type`` for ``--margin-type``); None drops a flag.
    """
    values: dict[str, str | None] = {
        "symbol": "BTCUSDT",
        "side": "LONG",
        "quantity": "1",
        "entry": "60000",
        "leverage": "20",
    }
    values.update(flags)
    argv = ["liq-price"]
    for name, value in values.items():
        if value is not None:
            argv += [f"--{name.replace('_', '-')}", value]
    return argv


def crash_session_events(commands: int = 3000) -> list[Event]:
    """Return every event of ``simulate``'s seeded session (20% crash after 1,500 commands)."""
    market = bundled_market()
    engine = Engine(market, SESSION_CONFIG)
    stream = iter(Workload(market, WorkloadConfig(crash_bps=2_000, crash_after=1_500)))
    events: list[Event] = []
    for _ in range(commands):
        now_ms, command = next(stream)
        events.extend(engine.handle(command, now_ms).events)
    return events
