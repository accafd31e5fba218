"""Checkpoints of a journal's write-ahead log, on a thread of their own.

In WAL mode a commit appends the changed pages to ``<file>-wal``; a *checkpoint* copies them
back into the database file (and, at ``synchronous=NORMAL``, syncs both). SQLite's automatic
checkpoint runs inside the commit that takes the log past 1,000 pages, on the writer's thread:
half the cost of a journal append (benchmarks/matching.py, docs/performance.md). A
:class:`Checkpointer` runs them on its own connection and thread instead, while the writer goes
on: a PASSIVE checkpoint runs beside a writer, and Python's sqlite3 lets go of the GIL while
SQLite works.

Durability does not change: a record is durable when its commit returns, in the log; a
checkpoint only moves it into the main file, and a crash in the middle of one loses nothing.
The writer keeps SQLite's automatic checkpoint at a higher mark (:data:`BACKSTOP_PAGES`), so the
log stays bounded if this thread falls behind or fails. A failed checkpoint (a full disk, an I/O
error) is logged and tried again at the next nudge; it never stops the journal, whose own
writes report such errors.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("liquidator.journal")

#: Records appended between two checkpoints: ~4 MB of log at the journal's ~500 bytes a record.
CHECKPOINT_RECORDS = 8_192
#: The writer's own automatic checkpoint, should this thread fall behind (128 MiB of 16 KiB
#: pages; SQLite's default is 1,000).
BACKSTOP_PAGES = 8_192


class Checkpointer:
    """A thread that checkpoints the journal at ``path`` every ``every`` records it is told of."""

    def __init__(self, path: Path, *, every: int = CHECKPOINT_RECORDS) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self._path = path
        self._every = every
        self._since = 0  # records appended since the last nudge (the writer's thread only)
        self._wake = threading.Event()
        self._stopping = False
        self.checkpoints = 0  # completed runs, for tests and benchmarks
        self._thread = threading.Thread(
            target=self._run, name=f"checkpoint {path.name}", daemon=True
        )
        self._thread.start()

    def appended(self, records: int) -> None:
        """Count ``records`` committed; wake the thread once ``every`` have been since the last."""
        self._since += records
        if self._since >= self._every:
            self._since = 0
            self._wake.set()

    def nudge(self) -> None:
        """Wake the thread now (after a snapshot, a large write)."""
        self._since = 0
        self._wake.set()

    def close(self) -> None:
        """Stop the thread after the checkpoint it is running, if any; wait for it."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                connection = self._checkpoint(connection)
        finally:
            if connection is not None:
                connection.close()

    def _checkpoint(self, connection: sqlite3.Connection | None) -> sqlite3.Connection | None:
        """Run one PASSIVE checkpoint; return the connection to use next time (None: reopen)."""
        try:
            if connection is None:
                connection = sqlite3.connect(str(self._path), isolation_level=None)
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception as error:  # whatever it was, the next nudge retries
            # INFO, not WARNING: the writer is unaffected and reports its own failures; a
            # warning would add a line to a CLI's one-line error on a full disk.
            log.info("checkpoint of %s failed, to be tried again: %s", self._path, error)
            if connection is not None:
                connection.close()
            return None
        self.checkpoints += 1
        return connection
