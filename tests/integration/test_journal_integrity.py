"""Damaged journals, second writers and a full disk, through the real command line.

Each damaged file is refused with one line naming the fault (and the last good seq where the
rows tell it) and exit 2, by ``liquidator journal verify`` and by ``liquidator simulate``, which
opens it for writing; never a traceback, never a fresh start over it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.exchange import Exchange
from liquidator.app.journal import JournalError, JournalUnavailable
from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.core.exchange.commands import Command
from liquidator.simulation.session import SESSION_CONFIG
from liquidator.simulation.workload import Workload, WorkloadConfig

CLI = str(Path(sys.executable).parent / "liquidator")
COMMANDS, SNAPSHOT_EVERY = 3500, 1000  # snapshots at 1000, 2000 and 3000; a tail of 500


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *argv], capture_output=True, text=True, check=False, timeout=300)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """Assert exit 2 with one error line on stderr (no traceback); return it."""
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-4000:]
    assert lines[0].startswith("liquidator: error: "), lines[0]
    return lines[0]


def simulate(path: Path, commands: int = 10) -> subprocess.CompletedProcess[str]:
    return run("simulate", "--journal", str(path), "--commands", str(commands), "--json")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("written") / "journal.sqlite"
    result = run(
        "simulate",
        "--journal",
        str(path),
        "--commands",
        str(COMMANDS),
        "--snapshot-every",
        str(SNAPSHOT_EVERY),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def journal(written: Path, tmp_path: Path) -> Path:
    """A fresh copy of the written journal, to damage."""
    copy = tmp_path / "journal.sqlite"
    shutil.copyfile(written, copy)
    return copy


def execute(sql: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        with closing(sqlite3.connect(path)) as connection, connection:
            connection.execute(sql)

    return damage


def edit_snapshot_balance(path: Path) -> None:
    """Add one raw unit to the first ledger balance of the latest snapshot, keeping its hash."""
    with closing(sqlite3.connect(path)) as connection, connection:
        seq, text = connection.execute(
            "SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        state = json.loads(text)
        state["ledger"]["balances"][1][2] += 1
        edited = json.dumps(state, separators=(",", ":"))
        connection.execute("UPDATE snapshots SET state = ? WHERE seq = ?", (edited, seq))


def overwrite(make: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        path.write_bytes(make(path.read_bytes()))

    return damage


def scramble_a_page(data: bytes) -> bytes:
    """Overwrite a page in the middle of the file (the journal's rows) with garbage."""
    page = int.from_bytes(data[16:18], "big")
    middle = (len(data) // page // 2) * page
    return data[:middle] + os.urandom(page) + data[middle + page :]


@dataclass(frozen=True)
class Damage:
    name: str
    apply: Callable[[Path], None]
    message: str  # a regex the error line must match
    seen_on_open: bool = True  # False: only ``journal verify`` reads that far


DAMAGES = [
    Damage(
        "snapshot balance edited",
        edit_snapshot_balance,
        r"snapshot at seq 3000 does not match its state hash \(tampered or corrupt\); last good",
    ),
    Damage(
        "rows deleted after the latest snapshot",
        execute("DELETE FROM journal WHERE seq > 2500"),
        r"ends at seq 2500, below its snapshot at seq 3000 \(rows lost\); last good seq 2500",
    ),
    Damage(
        "row deleted before the latest snapshot",
        execute("DELETE FROM journal WHERE seq = 1234"),
        r"journal rows are missing .*; last good seq 1233$",
    ),
    Damage(
        "row command edited after the latest snapshot",
        execute("UPDATE journal SET command = command || ' ' WHERE seq = 3200"),
        r"row 3200's chain does not match \(tampered or corrupt\); last good seq 3199$",
    ),
    Damage(
        "row command edited before the latest snapshot",
        execute("UPDATE journal SET command = command || ' ' WHERE seq = 1500"),
        r"row 1500's chain does not match \(tampered or corrupt\); last good seq 1499$",
        seen_on_open=False,
    ),
    Damage(
        "snapshot state hash edited",
        execute("UPDATE snapshots SET state_hash = 'nonsense' WHERE seq = 2000"),
        r"snapshot at seq 2000 has no valid state hash",
    ),
    Damage(
        "api_keys table dropped",
        execute("DROP TABLE api_keys"),
        r"lacks the table api_keys \(dropped or corrupt\); last good seq 3500$",
    ),
    Damage(
        "journal table dropped",
        execute("DROP TABLE journal"),
        r"lacks the table journal",
    ),
    Damage("0-byte file", overwrite(lambda _: b""), r"is empty \(0 bytes\)"),
    Damage(
        "random bytes",
        overwrite(lambda data: os.urandom(len(data))),
        r"is not a SQLite database",
    ),
    Damage(
        "truncated file",
        overwrite(lambda data: data[: len(data) // 2]),
        r"is truncated: \d+ bytes where its header counts \d+",
    ),
    Damage("a page of garbage", overwrite(scramble_a_page), r"journal"),
]


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.name for d in DAMAGES])
def test_journal_verify_refuses_a_damaged_file_with_one_line(journal: Path, damage: Damage) -> None:
    damage.apply(journal)

    line = one_error_line(run("journal", "verify", str(journal)))

    assert re.search(damage.message, line), line


@pytest.mark.parametrize(
    "damage",
    [d for d in DAMAGES if d.seen_on_open],
    ids=[d.name for d in DAMAGES if d.seen_on_open],
)
def test_a_damaged_journal_is_never_opened_for_writing_nor_started_afresh(
    journal: Path, damage: Damage
) -> None:
    damage.apply(journal)
    before = journal.read_bytes()

    line = one_error_line(simulate(journal))

    assert re.search(damage.message, line), line
    assert journal.read_bytes() == before


def test_journal_verify_summarizes_a_sound_journal(journal: Path) -> None:
    result = run("journal", "verify", str(journal), "--json")

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["verified"] is True
    assert summary["lastSeq"] == COMMANDS
    assert summary["snapshots"] == [1000, 2000, 3000]
    assert len(summary["chainHead"]) == 64
    described = json.loads(run("journal", str(journal), "--json").stdout)
    assert summary["stateHash"] == described["stateHash"]


def test_a_missing_journal_is_a_new_one_for_a_writer_and_an_error_for_a_reader(
    tmp_path: Path,
) -> None:
    absent = tmp_path / "absent.sqlite"

    line = one_error_line(run("journal", "verify", str(absent)))
    created = simulate(absent)

    assert "does not exist" in line
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["lastSeq"] == 10


def committed(path: Path) -> int:
    try:
        with SqliteJournal.open_readonly(path) as reader:
            return reader.last_seq()
    except JournalError:
        return 0


@pytest.fixture
def running_writer(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    path = tmp_path / "shared.sqlite"
    argv = [CLI, "simulate", "--journal", str(path), "--commands", "1000000", "--json"]
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as writer:
        deadline = time.monotonic() + 60
        while committed(path) < 200:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            assert time.monotonic() < deadline, "the writer never got going"
            time.sleep(0.05)
        try:
            yield path, writer
        finally:
            if writer.poll() is None:
                writer.send_signal(signal.SIGKILL)
            writer.wait()


def test_a_second_writer_is_refused_with_one_line_while_readers_may_verify(
    running_writer: tuple[Path, subprocess.Popen[bytes]],
) -> None:
    path, writer = running_writer

    second = one_error_line(simulate(path))
    verified = run("journal", "verify", str(path), "--json")

    assert second == (
        f"liquidator: error: {path} is in use by another liquidator process (pid {writer.pid})"
    )
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["lastSeq"] >= 200
    assert writer.poll() is None


def test_the_lock_dies_with_its_process(
    running_writer: tuple[Path, subprocess.Popen[bytes]],
) -> None:
    path, writer = running_writer
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    resumed = simulate(path, commands=5)

    assert resumed.returncode == 0, resumed.stderr


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: room for a new journal and some records, then ENOSPC."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def submit_until_refused(
    exchange: Exchange, stream: Iterator[tuple[int, Command]]
) -> tuple[int, JournalUnavailable]:
    """Submit the stream's commands until one is refused; return how many were acknowledged."""
    for count, (now_ms, command) in enumerate(stream):
        try:
            exchange.submit(command, now_ms)
        except JournalUnavailable as refusal:
            return count, refusal
    raise AssertionError("the workload ended before the disk filled")


def test_a_full_disk_refuses_commands_and_loses_nothing_acknowledged(
    full_disk: Path, tmp_path: Path
) -> None:
    market = bundled_market()
    path = full_disk / "journal.sqlite"
    exchange = Exchange(
        Engine(market, SESSION_CONFIG), SqliteJournal(path), snapshot_every=1_000_000
    )
    stream = iter(Workload(market, WorkloadConfig(accounts=20)))
    acknowledged, refusal = submit_until_refused(exchange, stream)
    live_hash = exchange.engine.state_hash()
    assert "could not be written" in str(refusal)
    now_ms, command = next(stream)
    with pytest.raises(JournalUnavailable):
        exchange.submit(command, now_ms)  # still full: refused again, nothing changes
    assert exchange.engine.state_hash() == live_hash
    assert exchange.seq == acknowledged
    exchange.journal.close()

    copy = tmp_path / "copy"
    copy.mkdir()
    for name in os.listdir(full_disk):
        shutil.copyfile(full_disk / name, copy / name)
    with SqliteJournal(copy / "journal.sqlite") as reopened:
        restored = Exchange.open(market, SESSION_CONFIG, reopened)
        assert restored.seq == acknowledged > 0
        assert restored.engine.state_hash() == live_hash


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ("1", r"could not be written .*: command \d+ was refused and nothing changed"),
        ("50", r"the exchange stopped: 50 records of a batch could not be journaled"),
    ],
)
def test_a_simulation_on_a_full_disk_stops_with_one_line_and_a_sound_journal(
    full_disk: Path, tmp_path: Path, batch: str, message: str
) -> None:
    path = full_disk / "journal.sqlite"

    line = one_error_line(
        run("simulate", "--journal", str(path), "--commands", "100000", "--batch", batch)
    )

    assert re.search(message, line), line
    copy = tmp_path / "copy"
    shutil.copytree(full_disk, copy)
    verified = run("journal", "verify", str(copy / "journal.sqlite"), "--json")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["lastSeq"] % int(batch) == 0
