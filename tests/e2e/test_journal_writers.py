"""A live server's journal: one writer per file, and a full disk that refuses without losing.

A second ``liquidator serve`` on the same ``--db`` stops with one line; ``keys create`` works
beside a running server (it writes only the key table, not the journal). On a disk that fills
up, a command whose record cannot be written is answered with Binance's -1001 (HTTP 503) and
leaves no trace: the server's state hash and sequence stay those of its journal, which a
restart elsewhere replays to exactly that state.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, free_port, start_server

CLI = str(Path(sys.executable).parent / "liquidator")
START_MS = 1_704_067_200_000


def stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    if server.process.stderr is not None:
        server.process.stderr.close()


def admin(server: LiveServer, method: str, path: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        server.url + path, method=method, headers={"X-Admin-Key": server.admin_key}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_second_server_on_the_same_database_stops_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "exchange.sqlite"
    first = start_server(database)
    try:
        second = subprocess.run(
            [CLI, "serve", "--db", str(database), "--port", str(free_port())],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert admin(first, "GET", "/admin/ledger")[0] == 200
    finally:
        stop(first)

    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        f"liquidator: error: --db: {database} is in use by another liquidator process"
        f" (pid {first.process.pid})"
    ]


def test_keys_can_be_created_beside_a_running_server(tmp_path: Path) -> None:
    database = tmp_path / "exchange.sqlite"
    server = start_server(database)
    try:
        created = subprocess.run(
            [CLI, "keys", "create", "--db", str(database), "--account", "bob"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        stop(server)

    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["account"] == "bob"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: room for a new journal and some commands, then ENOSPC."""
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


def test_a_full_disk_gets_503_and_the_state_stays_what_the_journal_holds(
    small_disk: Path, tmp_path: Path
) -> None:
    server = start_server(small_disk / "exchange.sqlite", "--simulated-time", str(START_MS))
    try:
        opened, refusal = open_accounts_until_refused(server)
        _, ledger = admin(server, "GET", "/admin/ledger")
        again, _ = admin(server, "POST", "/admin/accounts?account=late")
        _, after = admin(server, "GET", "/admin/ledger")
    finally:
        stop(server)

    assert opened > 0
    assert refusal["code"] == -1001
    assert again == 503
    assert (after["journalSeq"], after["stateHash"]) == (ledger["journalSeq"], ledger["stateHash"])
    copy = tmp_path / "copy"
    shutil.copytree(small_disk, copy)
    verified = subprocess.run(
        [
            CLI,
            "journal",
            "verify",
            str(copy / "exchange.sqlite"),
            "--mark-source",
            "feed",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    summary = json.loads(verified.stdout)
    assert (summary["lastSeq"], summary["stateHash"]) == (
        ledger["journalSeq"],
        ledger["stateHash"],
    )


def open_accounts_until_refused(server: LiveServer) -> tuple[int, dict[str, Any]]:
    """Open accounts until the server refuses one; return how many it opened and the refusal."""
    for number in range(10_000):
        status, body = admin(server, "POST", f"/admin/accounts?account=trader{number}")
        if status != 200:
            assert status == 503, body
            return number, body
    raise AssertionError("the disk never filled")
