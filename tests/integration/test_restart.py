"""SIGKILL a journaled session mid-run: the restart holds exactly what was committed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.exchange import Exchange
from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.simulation.session import SESSION_CONFIG
from liquidator.simulation.workload import Workload, WorkloadConfig

CLI = str(Path(sys.executable).parent / "liquidator")


def committed(path: Path) -> int:
    try:
        with SqliteJournal.open_readonly(path) as journal:
            return journal.last_seq()
    except Exception:  # the writer may not have created the schema yet
        return 0


def reference_hash(commands: int, config: WorkloadConfig) -> str:
    """Run the same seeded workload in memory, with no journal, for ``commands`` commands."""
    engine = Engine(bundled_market(), SESSION_CONFIG)
    stream = iter(Workload(bundled_market(), config))
    for _ in range(commands):
        now_ms, command = next(stream)
        engine.handle(command, now_ms)
    return engine.state_hash()


@pytest.mark.parametrize("kill_after", [137, 611])
def test_sigkilled_session_restarts_at_its_last_committed_command(
    tmp_path: Path, kill_after: int
) -> None:
    path = tmp_path / "venue.sqlite"
    config = WorkloadConfig(accounts=20)
    argv = [
        CLI,
        "simulate",
        "--journal",
        str(path),
        "--accounts",
        "20",
        "--commands",
        "100000",
        "--snapshot-every",
        "100",
        "--json",
    ]
    log = tmp_path / "stderr.txt"
    with (
        log.open("wb") as errors,
        subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors) as writer,
    ):
        deadline = time.monotonic() + 60
        while committed(path) < kill_after:
            assert writer.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the session never reached the kill point"
            time.sleep(0.01)
        writer.send_signal(signal.SIGKILL)
        writer.wait()

    verified = subprocess.run(
        [CLI, "journal", "verify", str(path), "--json"], capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stderr
    market = bundled_market()
    with SqliteJournal(path) as journal:
        exchange = Exchange.open(market, SESSION_CONFIG, journal)  # verifies the replayed events
        seq, restored = exchange.seq, exchange.engine.state_hash()
    assert seq >= kill_after
    assert restored == reference_hash(seq, config)

    resumed = subprocess.run(
        [*argv[:6], "--commands", "50", "--json"], capture_output=True, text=True, check=True
    )
    summary = json.loads(resumed.stdout)
    assert (summary["firstSeq"], summary["lastSeq"]) == (seq, seq + 50)
    assert summary["ledgerBalanced"] is True
    assert summary["stateHash"] == reference_hash(seq + 50, config)
