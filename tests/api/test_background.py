"""Background tasks never die silently: a failure halts the server, a refused command retries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liquidator.api import background
from liquidator.api.server import Server
from liquidator.bootstrap.server import create_app
from tests.api.conftest import limit_order, open_account, quiet_settings


@dataclass
class HaltRecorder:
    """The part of ``Server`` a supervisor uses: ``halt``."""

    reasons: list[str] = field(default_factory=list)

    def halt(self, reason: str) -> None:
        self.reasons.append(reason)


def supervise(job: Callable[[], Awaitable[None]]) -> list[str]:
    recorder = HaltRecorder()
    server = recorder  # duck-typed: the supervisor only halts
    asyncio.run(background.supervised(server, "price walk", job))  # type: ignore[arg-type]
    return recorder.reasons


def test_a_failing_background_task_halts_the_server_with_its_name_and_error() -> None:
    async def broken() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("a holder without its position")

    reasons = supervise(broken)

    assert len(reasons) == 1
    assert "'price walk'" in reasons[0]
    assert "a holder without its position" in reasons[0]


def test_a_task_that_finishes_halts_nothing() -> None:
    async def done() -> None:
        await asyncio.sleep(0)

    assert supervise(done) == []


def test_a_cancelled_task_is_stopped_not_halted() -> None:
    async def forever() -> None:
        await asyncio.sleep(3600)

    async def run() -> list[str]:
        recorder = HaltRecorder()
        task = asyncio.create_task(background.supervised(recorder, "heartbeat", forever))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return recorder.reasons

    assert asyncio.run(run()) == []


class BrokenExchange:
    """An exchange whose engine raises: what a broken invariant looks like from the server."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.journal = real.journal

    def submit(self, command: Any, now_ms: int) -> Any:
        raise RuntimeError("alice holds BTCUSDT LONG but has no such position")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_an_engine_that_raises_halts_the_server_and_answers_1001() -> None:
    settings = quiet_settings()
    with TestClient(create_app(settings)) as client:
        alice = open_account(client, "alice")
        server: Server = client.app.state.server  # type: ignore[attr-defined]
        fatal: list[str] = []
        server.on_fatal = fatal.append
        server.live.exchange = BrokenExchange(server.live.exchange)  # type: ignore[assignment]

        order = limit_order(alice)
        later = client.get("/fapi/v1/time")

    assert order.status_code == 503
    assert order.json()["code"] == -1001
    assert fatal == [
        "the engine failed on PlaceOrder: RuntimeError('alice holds BTCUSDT LONG"
        " but has no such position')"
    ]
    assert later.status_code == 503  # a halted server serves nothing more
