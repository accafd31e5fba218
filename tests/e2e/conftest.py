"""A live ``liquidator serve`` on 127.0.0.1 for the end-to-end tests, and the clients' venvs."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

CLIENTS = REPO / ".venv-clients"
STORIES = Path(__file__).parent / "clients"
ADMIN_KEY = "e2e-admin-key-0123456789"


@dataclass(frozen=True)
class LiveServer:
    url: str
    admin_key: str
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(database: Path, *extra: str) -> LiveServer:
    port = free_port()
    script = Path(sys.executable).parent / "liquidator"
    process = subprocess.Popen(
        [
            str(script),
            "serve",
            "--db",
            str(database),
            "--port",
            str(port),
            "--admin-key",
            ADMIN_KEY,
            "--no-price-walk",
            "--mark-source",
            "feed",
            "--flow",  # a quiet market: the stories count their own trades and candles
            "none",
            "--history",
            "0",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/fapi/v1/ping", timeout=1):
                return LiveServer(url, ADMIN_KEY, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer within 30 s")


@contextlib.contextmanager
def served(database: Path, *extra: str, stop_s: float = 10) -> Iterator[LiveServer]:
    """Serve ``database`` (``start_server``'s flags) for the block; stop it afterwards."""
    live = start_server(database, *extra)
    try:
        yield live
    finally:
        stop_server(live, stop_s)


def stop_server(live: LiveServer, timeout_s: float = 10) -> None:
    """Stop a server as a user would (SIGTERM: a clean shutdown), killing it if it hangs."""
    live.process.terminate()
    try:
        live.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        live.process.kill()
        live.process.wait(timeout=timeout_s)
    if live.process.stderr is not None:
        live.process.stderr.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with served(tmp_path / "exchange.sqlite") as live:
        yield live


def run_story(client: str, script: str, server: LiveServer) -> dict[str, Any]:
    """Run a client's story in its own venv against ``server``; return its result."""
    python = CLIENTS / client / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{python} is missing: scripts/clients creates the clients' environments")
    env = {
        **os.environ,
        "LIQUIDATOR_URL": server.url,
        "LIQUIDATOR_ADMIN_KEY": server.admin_key,
        "PYTHONPATH": str(STORIES),
    }
    result = subprocess.run(
        [str(python), str(STORIES / script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    story: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return story
