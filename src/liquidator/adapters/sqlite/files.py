"""A database file readable by its owner only: it holds the API keys' HMAC secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRIVATE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


@contextmanager
def private_files(path: str | Path) -> Iterator[None]:
    """Open or create the database ``path`` in the block with its files at mode 0600.

    The umask hides a file SQLite creates in the block from everyone but its owner from the
    first byte (SQLite creates ``-wal`` and ``-shm`` with the database's own mode, so they
    follow); the chmod afterwards closes a file made before this rule, or under another umask.
    An in-memory database (``:memory:``) has no files.
    """
    if str(path) == ":memory:":
        yield
        return
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
    for name in (str(path), *(f"{path}{suffix}" for suffix in SIDE_FILES)):
        try:
            os.chmod(name, PRIVATE_MODE)
        except FileNotFoundError:
            continue
