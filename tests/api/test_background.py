"""Background tasks never die silently: a failure halts the server, a refused command retries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from liquidator.api import background


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
