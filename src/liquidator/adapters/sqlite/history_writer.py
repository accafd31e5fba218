"""The histories' writes run on a thread of their own, off the server's event loop.

A history write (every 256 commands: the orders, fills, trades and bars since the last one, and
the checkpoint) took a tenth of the server's time per order on the WebSocket API, most of it in
SQLite: its B-trees and its commit, during which Python's sqlite3 lets go of the GIL. A
:class:`HistoryWriter` takes each write as rows already built (plain tuples: built on the
caller's thread from the state at that moment, so nothing the loop changes later reaches them)
and runs them, in order, each in one transaction with its checkpoint, on its own connection and
thread, while the loop goes on with the next commands.

What the histories promise does not change:

* **After the journal.** A write is handed over only after the journal's records it holds are
  written (``Histories.before_write``), so a row is never on disk before its record.
* **Read after write.** :meth:`settle` waits until everything handed over is written; the store
  calls it before every read, so a read sees every command before it.
* **A failed write is kept and retried.** A write SQLite refuses (a full disk, an I/O error)
  stays first in line and is tried again at the next hand-over or read; the commands stand. A
  read that needs it gets the :class:`~liquidator.read.history.HistoryWriteError`, as a
  synchronous write would give it. A broken invariant (the checkpoint going back) stops the
  writer for good: every later hand-over and read raises it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from liquidator.app.journal import JournalError
from liquidator.read.history import HistoryWriteError

log = logging.getLogger("liquidator.history")

Statement = tuple[str, Sequence[tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class PreparedWrite:
    """One history write as SQL and rows, and the checkpoint it moves to."""

    applied_seq: int
    statements: tuple[Statement, ...]


class HistoryWriter:
    """A thread that runs prepared writes, in order, on a connection of its own."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        run: Callable[[sqlite3.Connection, PreparedWrite], None],
        where: str,
    ) -> None:
        self._connect = connect
        self._run = run
        self._where = where
        self._queue: deque[PreparedWrite] = deque()
        self._busy = False  # a write is being run
        self._attempt = 0  # hand-overs and reads so far: each one retries a refused write
        self._tried = 0  # the attempt the last refusal answered
        self._refused: HistoryWriteError | None = None  # the head's last refusal
        self._broken: BaseException | None = None  # fatal: nothing is written any more
        self._stopping = False
        self._changed = threading.Condition()
        self.writes = 0  # completed, for tests and benchmarks
        self._thread = threading.Thread(target=self._serve, name=f"histories {where}", daemon=True)
        self._thread.start()

    def submit(self, write: PreparedWrite) -> None:
        """Hand ``write`` over (after every earlier one); raise if the writer is broken."""
        with self._changed:
            self._check_broken()
            self._queue.append(write)
            self._attempt += 1
            self._changed.notify_all()

    def settle(self) -> None:
        """Wait until every write handed over is written; raise what stops one."""
        with self._changed:
            if not self._queue and not self._busy:
                self._check_broken()
                return
            self._attempt += 1  # a refused write is tried once more for this reader
            attempt = self._attempt
            self._changed.notify_all()
            while (self._queue or self._busy) and self._broken is None and self._tried < attempt:
                self._changed.wait()
            self._check_broken()
            if self._queue and self._refused is not None:
                raise self._refused

    def discard(self) -> None:
        """Drop the writes not yet written (after the one running, if any): their rows come
        again from the journal when the histories are caught up from the store's checkpoint."""
        with self._changed:
            while self._busy:
                self._changed.wait()
            self._queue.clear()
            self._refused = None

    def close(self) -> None:
        """Write what is pending if it can (logged if not), then stop the thread."""
        try:
            self.settle()
        except (HistoryWriteError, JournalError) as error:
            log.warning("the histories' last writes were not written: %s", error)
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()

    def _check_broken(self) -> None:
        if self._broken is not None:
            raise JournalError(f"{self._where}: the histories cannot be written: {self._broken}")

    def _serve(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while True:
                due = self._next()
                if due is None:
                    return
                connection = self._write(connection, *due)
        finally:
            if connection is not None:
                connection.close()

    def _next(self) -> tuple[PreparedWrite, int] | None:
        """The next write to run and the attempt it answers (None: stop), once there is one
        and it may be tried."""
        with self._changed:
            while not self._stopping and (
                not self._queue or self._broken is not None or self._tried >= self._attempt
            ):
                self._changed.wait()
            if self._stopping:
                return None
            self._busy = True
            return self._queue[0], self._attempt

    def _write(
        self, connection: sqlite3.Connection | None, write: PreparedWrite, attempt: int
    ) -> sqlite3.Connection | None:
        refused: HistoryWriteError | None = None
        broken: BaseException | None = None
        try:
            if connection is None:
                connection = self._connect()
            self._run(connection, write)
        except sqlite3.Error as error:
            refused = HistoryWriteError(f"{self._where}: {error}")
            log.warning("the histories could not be written (%s): retried at the next write", error)
            if connection is not None:
                connection.close()
            connection = None
        except Exception as error:  # a broken invariant: stop, and say so to every caller
            log.error("the histories' writer stopped: %s", error)
            broken = error
        with self._changed:
            self._busy = False
            if refused is None and broken is None:
                self._queue.popleft()
                self.writes += 1
                self._refused = None
            else:
                self._refused, self._broken = refused, broken
                self._tried = attempt  # wait for the next hand-over or read to try again
            self._changed.notify_all()
        return connection
