"""The journaled exchange: the engine behind its journal, with snapshots and restart.

Every command, accepted or rejected, is journaled with its timestamp and events (a rejected
command may still have let time pass, so replay needs it). Records are written in batches of
``batch`` (1 = every command durable before its answer); every ``snapshot_every`` commands the
whole state is saved with its state hash. Opening an exchange restores the latest snapshot,
checks that it hashes to its stored state hash, and replays the journal after it, checking that
each replayed command yields the events it yielded the first time.

Fail-stop: the live state is never ahead of the journal. With ``batch=1``, a command whose
record cannot be written is undone by restoring the engine from the journal (the same path as
:meth:`Exchange.open`) and refused with :class:`JournalUnavailable`; the commands that follow
are refused at once, untouched, for a while (at least ``REFUSAL_WINDOW_S``, and four times what
the restore took, so that a full disk costs the loop at most a fifth of its time), then one is
tried again. If the journal cannot even be read back, or a batch of several records fails, the
exchange stops (``JournalError`` on this and every later call). A snapshot that cannot be saved
is logged and skipped.

Group commit (``group_commit=True``, a server's mode): the caller holds every answer until
:meth:`Exchange.flush` has written the commands' records (``pending`` tells whether any wait),
so a failed write of a whole batch can be undone like one record: the engine is restored from
the journal and every command of the batch is refused.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any, NoReturn

from liquidator.app.journal import (
    Journal,
    JournalError,
    JournalRecord,
    JournalUnavailable,
    JournalWriteError,
    Snapshot,
    new_record,
)
from liquidator.app.json_text import compact, compact_record
from liquidator.app.venue_config import encode_venue_config, venue_config_of
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine, Outcome
from liquidator.core.exchange.codec import decode_command, encode, encode_events
from liquidator.core.exchange.command_text import command_text
from liquidator.core.exchange.commands import Command
from liquidator.core.exchange.venue import VenueConfig

log = logging.getLogger("liquidator.journal")
REFUSAL_WINDOW_S = 1.0


def journal_record(seq: int, now_ms: int, command: Command, outcome: Outcome) -> JournalRecord:
    """Return the journal record of ``command`` handled at ``now_ms`` with ``outcome``.

    A hot command's text is written directly (``command_text``: the same text, faster).
    """
    text = command_text(command)
    if text is None:
        text = compact_record(encode(command))
    return new_record((seq, now_ms, text, compact_record(outcome_record(outcome))))


def outcome_record(outcome: Outcome) -> list[Any]:
    """Return the journal form of an outcome: its events, then the rejection if any."""
    body: list[Any] = encode_events(outcome.events)
    if outcome.rejection is not None:
        rejection = outcome.rejection
        body.append(["Rejected", rejection.reason.value, rejection.message])
    return body


def restore_engine(
    market: Market, config: VenueConfig | None, journal: Journal, *, verify: bool = True
) -> tuple[Engine, int]:
    """Return the engine ``journal`` holds and its last seq: latest snapshot, then the tail.

    ``config`` None: the venue configuration the journal records; otherwise it must be that one
    (a new journal records it). The snapshot must hash to its stored state hash; with ``verify``
    each replayed command must yield the events journaled with it. Raises ``JournalError`` (one
    line) otherwise.
    """
    config = venue_config_of(journal, config)
    snapshot = journal.latest_snapshot()
    if snapshot is None:
        engine, seq = Engine(market, config), 0
    else:
        engine, seq = restore_snapshot(market, config, snapshot, journal), snapshot.seq
    for record in journal.records_after(seq):
        if record.seq != seq + 1:
            raise JournalError(f"{journal}: record {seq + 1} is missing; last good seq {seq}")
        replay(engine, record, journal, verify=verify)
        seq = record.seq
    return engine, seq


def restore_snapshot(
    market: Market, config: VenueConfig, snapshot: Snapshot, journal: object
) -> Engine:
    """Return the engine ``snapshot`` holds, checked against its stored state hash."""
    where = f"{journal}: the snapshot at seq {snapshot.seq}"
    try:
        engine = Engine.restore(market, config, json.loads(snapshot.state))
    except Exception as error:  # any failure of a damaged state: one line
        raise JournalError(
            f"{where} cannot be restored ({type(error).__name__}: {error})"
            f" (tampered or corrupt); last good seq {max(snapshot.seq - 1, 0)}"
        ) from error
    if engine.state_hash() != snapshot.state_hash:
        raise JournalError(
            f"{where} does not match its state hash (tampered or corrupt);"
            f" last good seq {max(snapshot.seq - 1, 0)}"
        )
    return engine


def replay(engine: Engine, record: JournalRecord, journal: object, *, verify: bool) -> None:
    """Handle ``record``'s command again; with ``verify``, its events must be the journaled ones."""
    try:
        command = decode_command(json.loads(record.command))
    except Exception as error:  # any failure of a damaged record: one line
        raise JournalError(
            f"{journal}: record {record.seq} does not decode ({error}); last good seq"
            f" {record.seq - 1}"
        ) from error
    outcome = engine.handle(command, record.ts_ms)
    if verify and compact(outcome_record(outcome)) != record.events:
        raise JournalError(
            f"{journal}: replay of command {record.seq} diverged from the journal;"
            f" last good seq {record.seq - 1}"
        )


class Exchange:
    """Commands in, journaled; state restorable from the journal alone."""

    def __init__(
        self,
        engine: Engine,
        journal: Journal,
        *,
        snapshot_every: int = 10_000,
        batch: int = 1,
        group_commit: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if snapshot_every < 1 or batch < 1:
            raise ValueError("snapshot_every and batch must be at least 1")
        self.engine = engine
        self.journal = journal
        self.snapshot_every = snapshot_every
        self.batch = batch
        self.group_commit = group_commit  # answers wait for the flush: a batch can be undone
        if journal.last_seq() == 0 and journal.venue_config() is None and not journal.readonly:
            # a new journal records what it is written with (``open`` does it before this)
            journal.record_venue_config(encode_venue_config(engine.venue.config))
        self.seq = journal.last_seq()
        self._pending: list[JournalRecord] = []
        self._stopped: str | None = None  # why the exchange stopped, once it has
        self._clock = clock  # seconds, for the refusal window only
        self._refusing_until = -math.inf
        self._refusal = ""

    @classmethod
    def open(
        cls,
        market: Market,
        config: VenueConfig | None,
        journal: Journal,
        *,
        snapshot_every: int = 10_000,
        batch: int = 1,
        group_commit: bool = False,
        verify: bool = True,
    ) -> Exchange:
        """Restore the latest snapshot, replay the journal after it, and return the exchange."""
        engine, _ = restore_engine(market, config, journal, verify=verify)
        return cls(
            engine, journal, snapshot_every=snapshot_every, batch=batch, group_commit=group_commit
        )

    @property
    def pending(self) -> int:
        """How many handled commands wait for their records to be written."""
        return len(self._pending)

    def submit(self, command: Command, now_ms: int) -> Outcome:
        """Handle ``command`` at ``now_ms`` and journal it (flushed per ``batch``).

        Raises :class:`JournalUnavailable` if its record could not be written (the state is
        then what the journal holds), ``JournalError`` if the exchange has stopped.
        """
        self._check_running()
        now = self._clock()
        if now < self._refusing_until:
            raise JournalUnavailable(self._refusal, self._refusing_until - now)
        outcome = self.engine.handle(command, now_ms)
        self.seq += 1
        self._pending.append(journal_record(self.seq, now_ms, command, outcome))
        if len(self._pending) >= self.batch:
            self.flush()
        if self.seq % self.snapshot_every == 0:
            self.snapshot()
        return outcome

    def flush(self) -> None:
        """Write the pending records in one transaction (see the module's fail-stop rules)."""
        self._check_running()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        try:
            self.journal.append(pending)
        except Exception as error:  # whatever failed, the disk decides the state
            self._recover(len(pending), error)

    def snapshot(self) -> None:
        """Save the whole state and its hash at the current seq; log and skip if that fails."""
        self.flush()
        try:
            state, state_hash = self.engine.canonical_state()  # one walk, one encoding
            self.journal.save_snapshot(self.seq, state, state_hash)
        except (JournalWriteError, OSError) as error:
            log.warning("snapshot at seq %d skipped: %s", self.seq, error)

    def close(self) -> None:
        """Write what is pending and release the journal (even if the exchange has stopped)."""
        try:
            if self._stopped is None:
                self.flush()
        finally:
            self.journal.close()

    def _recover(self, count: int, error: Exception) -> None:
        """Make the live state what the journal holds after a failed write of ``count`` records.

        One record (batch 1), or a group commit's batch (no command of it answered yet):
        restore from the journal; the commands stand if their records reached the disk after
        all, else they are all refused. Records of a batch whose commands were answered
        already, or a journal that cannot be read back: stop.
        """
        refused = self.seq
        if not self.group_commit and (count > 1 or self.batch > 1):  # answered: cannot undo
            records = "a record" if count == 1 else f"{count} records"
            self._stop(f"{records} of a batch could not be journaled ({error})", error)
        started = self._clock()
        try:
            venue = self.engine.venue
            engine, seq = restore_engine(venue.market, venue.config, self.journal)
        except Exception as failure:  # a journal that cannot be read back: stop
            self._stop(f"journaling failed ({error}) and restoring failed ({failure})", failure)
        if seq not in (refused, refused - count):
            self._stop(f"journaling failed ({error}) and the journal ends at seq {seq}", error)
        self.engine.venue = engine.venue
        self.seq = seq
        if seq == refused - count:
            window = max(REFUSAL_WINDOW_S, 4 * (self._clock() - started))
            self._refusing_until = self._clock() + window
            self._refusal = (
                f"the journal {self.journal} could not be written a moment ago ({error}):"
                " commands are refused until it can be; retry later"
            )
            raise JournalUnavailable(
                f"the journal {self.journal} could not be written ({error}): "
                + (f"command {refused} was" if count == 1 else f"commands {seq + 1}-{refused} were")
                + " refused and nothing changed",
                window,
            ) from error

    def _stop(self, reason: str, cause: BaseException) -> NoReturn:
        self._stopped = f"the exchange stopped: {reason}; the journal holds the last good state"
        raise JournalError(self._stopped) from cause

    def _check_running(self) -> None:
        if self._stopped is not None:
            raise JournalError(self._stopped)
