"""The journaled exchange: the engine behind its journal, with snapshots and restart.

Every command, accepted or rejected, is journaled with its timestamp and events (a rejected
command may still have let time pass, so replay needs it). Records are written in batches of
``batch`` (1 = every command durable before its answer); every ``snapshot_every`` commands the
whole state is saved. Opening an exchange restores the latest snapshot and replays the journal
after it, checking that each replayed command yields the events it yielded the first time.
"""

from __future__ import annotations

import json
from typing import Any

from liquidator.app.journal import Journal, JournalError, JournalRecord
from liquidator.app.json_text import compact
from liquidator.core.codec import decode_command, encode, encode_events
from liquidator.core.commands import Command
from liquidator.core.engine import Engine, Outcome
from liquidator.core.market import Market
from liquidator.core.venue import VenueConfig


def journal_record(seq: int, now_ms: int, command: Command, outcome: Outcome) -> JournalRecord:
    """Return the journal record of ``command`` handled at ``now_ms`` with ``outcome``."""
    return JournalRecord(seq, now_ms, compact(encode(command)), compact(outcome_record(outcome)))


def outcome_record(outcome: Outcome) -> list[Any]:
    """Return the journal form of an outcome: its events, then the rejection if any."""
    body: list[Any] = encode_events(outcome.events)
    if outcome.rejection is not None:
        rejection = outcome.rejection
        body.append(["Rejected", rejection.reason.value, rejection.message])
    return body


class Exchange:
    """Commands in, journaled; state restorable from the journal alone."""

    def __init__(
        self,
        engine: Engine,
        journal: Journal,
        *,
        snapshot_every: int = 10_000,
        batch: int = 1,
    ) -> None:
        if snapshot_every < 1 or batch < 1:
            raise ValueError("snapshot_every and batch must be at least 1")
        self.engine = engine
        self.journal = journal
        self.snapshot_every = snapshot_every
        self.batch = batch
        self.seq = journal.last_seq()
        self._pending: list[JournalRecord] = []

    @classmethod
    def open(
        cls,
        market: Market,
        config: VenueConfig,
        journal: Journal,
        *,
        snapshot_every: int = 10_000,
        batch: int = 1,
        verify: bool = True,
    ) -> Exchange:
        """Restore the latest snapshot, replay the journal after it, and return the exchange."""
        snapshot = journal.latest_snapshot()
        if snapshot is None:
            engine, seq = Engine(market, config), 0
        else:
            seq, text = snapshot
            engine = Engine.restore(market, config, json.loads(text))
        for record in journal.records_after(seq):
            outcome = engine.handle(decode_command(json.loads(record.command)), record.ts_ms)
            if verify and compact(outcome_record(outcome)) != record.events:
                raise JournalError(f"replay of command {record.seq} diverged from the journal")
        return cls(engine, journal, snapshot_every=snapshot_every, batch=batch)

    def submit(self, command: Command, now_ms: int) -> Outcome:
        """Handle ``command`` at ``now_ms`` and journal it (flushed per ``batch``)."""
        outcome = self.engine.handle(command, now_ms)
        self.seq += 1
        self._pending.append(journal_record(self.seq, now_ms, command, outcome))
        if len(self._pending) >= self.batch:
            self.flush()
        if self.seq % self.snapshot_every == 0:
            self.snapshot()
        return outcome

    def flush(self) -> None:
        """Write the pending records in one transaction."""
        if self._pending:
            self.journal.append(self._pending)
            self._pending = []

    def snapshot(self) -> None:
        """Save the whole state at the current sequence number."""
        self.flush()
        self.journal.save_snapshot(self.seq, compact(self.engine.state()))

    def close(self) -> None:
        self.flush()
        self.journal.close()
