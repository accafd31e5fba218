"""The journal's file on disk: made whole or not at all, checked before SQLite reads it, locked.

A new journal is built under a temporary name beside ``path``, migrated, closed, then linked
into place: a journal path that exists always holds a complete, migrated journal, so a path that
exists but is empty, is not SQLite, or is shorter than its header says is refused rather than
started afresh. One process writes a journal: it holds an exclusive ``flock`` on ``<path>-lock``
until it closes the journal or dies (the kernel drops the lock with the process).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from liquidator.adapters.sqlite.files import private_files
from liquidator.app.journal import JournalError

SQLITE_HEADER = b"SQLite format 3\x00"
LOCK_SUFFIX = "-lock"


def create_if_absent(path: Path, build: Callable[[Path], None]) -> None:
    """Build a new journal at ``path`` with ``build`` unless something is there already.

    ``build`` writes and closes a whole journal at the temporary path it is given; that file is
    then hard-linked to ``path`` (which fails if another process got there first: its journal
    is kept) and the temporary name removed.
    """
    try:
        os.lstat(path)
    except FileNotFoundError:
        pass  # no file: a new journal
    except OSError as error:
        raise JournalError(f"cannot open the journal {path}: {error.strerror}") from error
    else:
        return
    if not path.parent.is_dir():
        raise JournalError(f"cannot create the journal {path}: {path.parent} is not a directory")
    temporary = path.with_name(f".liquidator-new-journal-{os.getpid()}")
    try:
        with private_files(temporary):
            build(temporary)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
        _sync_directory(path.parent)
    except OSError as error:
        raise JournalError(f"cannot create the journal {path}: {error.strerror}") from error
    except JournalError as error:  # named after the temporary file: say what it was for
        reason = error.__cause__ or error
        raise JournalError(f"cannot create the journal {path}: {reason}") from error
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):  # never made, or a name the system refused
                os.unlink(f"{temporary}{suffix}")


def check_file(path: Path) -> None:
    """Raise ``JournalError`` unless ``path`` is a non-empty SQLite file as long as it claims."""
    try:
        if not path.is_file():
            raise JournalError(f"{path} is not a file")
        size = path.stat().st_size
        with path.open("rb") as file:
            header = file.read(100)
    except OSError as error:
        raise JournalError(f"cannot read the journal {path}: {error.strerror}") from error
    if size == 0:
        raise JournalError(f"{path} is empty (0 bytes): not a liquidator journal")
    if not header.startswith(SQLITE_HEADER) or len(header) < 100:
        raise JournalError(f"{path} is not a SQLite database: not a liquidator journal")
    expected = _claimed_size(header)
    if expected is not None and size < expected and not _has_log(path):
        raise JournalError(f"{path} is truncated: {size} bytes where its header counts {expected}")


def _claimed_size(header: bytes) -> int | None:
    """Return the file size the header states (pages x page size), None if it states none.

    The page count (offset 28) is valid only when the change counter (offset 24) equals the
    "version valid for" number (offset 92), as SQLite itself decides.
    """
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96] or pages == 0:
        return None
    return pages * page_size


def _has_log(path: Path) -> bool:
    """Return whether ``path`` has a non-empty write-ahead log.

    A checkpoint interrupted by a crash may leave the file shorter than its (already rewritten)
    header says; SQLite completes it from the log, so the size proves nothing then.
    """
    try:
        return os.path.getsize(f"{path}-wal") > 0
    except OSError:
        return False


class WriterLock:
    """The one-writer lock of a journal: ``flock`` on ``<path>-lock``, never blocking.

    The lock file holds the writer's pid (named in the refusal) and stays when the writer ends,
    like SQLite's ``-wal`` and ``-shm``; only the ``flock`` on it matters.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        # The file's real name: two names (symbolic links) of one journal share one lock.
        lock_path = f"{os.path.realpath(path)}{LOCK_SUFFIX}"
        try:
            self._fd: int | None = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise JournalError(f"cannot lock the journal {path}: {error.strerror}") from error
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_pid(self._fd)
            self.release()
            raise JournalError(f"{path} is in use by another liquidator process{holder}") from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        """Drop the lock (closing its file); a second call does nothing."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _read_pid(fd: int) -> str:
    """Return `` (pid N)`` from a lock file's content, or nothing if it holds no pid."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def _sync_directory(directory: Path) -> None:
    """Make a new directory entry durable (the link of a new journal)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
