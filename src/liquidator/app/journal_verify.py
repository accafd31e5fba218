"""``liquidator journal verify``: check a whole journal, every row and every kept snapshot.

Opening the journal (read-only) already checked its tables, that its rows run 1..last_seq,
each snapshot's anchor and the chain after the latest snapshot. This adds the storage's own
integrity check, the chain over every row from record 1, and a replay of the whole journal
from seq 0 in which each command must yield its journaled events and, at each kept snapshot's
seq, the replayed state must hash to the snapshot's state hash, as must the snapshot restored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from liquidator.app.exchange import replay, restore_snapshot
from liquidator.app.journal import JournalError, JournalRecord, Snapshot
from liquidator.app.venue_config import venue_config_of
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine
from liquidator.core.exchange.venue import VenueConfig


class VerifiableJournal(Protocol):
    """A durable journal that can recompute its chain and list its snapshots."""

    def last_seq(self) -> int: ...

    def records_after(self, seq: int, *, batch: int = 1000) -> Iterator[JournalRecord]: ...

    def snapshot_seqs(self) -> list[int]: ...

    def snapshot_at(self, seq: int) -> Snapshot | None: ...

    def check_integrity(self) -> None: ...

    def verify_chain(self) -> bytes: ...

    @property
    def readonly(self) -> bool: ...

    def venue_config(self) -> str | None: ...

    def record_venue_config(self, text: str) -> None: ...


@dataclass
class Verification:
    """What a verified journal holds."""

    journal: str
    last_seq: int
    chain_head: str  # hex
    state_hash: str  # of the state after last_seq
    snapshots: list[int] = field(default_factory=list)


def verify_journal(
    market: Market, config: VenueConfig | None, journal: VerifiableJournal
) -> Verification:
    """Check all of ``journal``; raise ``JournalError`` (one line) at the first fault.

    ``config`` None: replay with the venue configuration the journal records.
    """
    config = venue_config_of(journal, config)
    head = journal.verify_chain()
    journal.check_integrity()
    seqs = journal.snapshot_seqs()
    pending = list(seqs)
    engine = Engine(market, config)
    if pending and pending[0] == 0:
        _check_snapshot(market, config, journal, engine, pending.pop(0))
    for record in journal.records_after(0):
        replay(engine, record, journal, verify=True)
        if pending and pending[0] == record.seq:
            _check_snapshot(market, config, journal, engine, pending.pop(0))
    return Verification(str(journal), journal.last_seq(), head.hex(), engine.state_hash(), seqs)


def _check_snapshot(
    market: Market, config: VenueConfig, journal: VerifiableJournal, engine: Engine, seq: int
) -> None:
    """Raise unless the snapshot at ``seq`` restores to its hash and equals the replayed state."""
    snapshot = journal.snapshot_at(seq)
    if snapshot is None:
        raise JournalError(f"{journal}: the snapshot at seq {seq} vanished while verifying")
    restore_snapshot(market, config, snapshot, journal)
    if engine.state_hash() != snapshot.state_hash:
        raise JournalError(
            f"{journal}: the snapshot at seq {seq} does not match the state the journal replays"
            f" to (tampered or corrupt); last good seq {max(seq - 1, 0)}"
        )
