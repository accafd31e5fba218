"""The monitor's ports: where the start state and the streams come from, where alerts go.

Each error says who handles it: :class:`AccessDeniedError` ends the command (one line, exit 2);
:class:`UnreachableError` makes the session reconnect with back-off; :class:`ListenKeyRejectedError`
makes it open a new listen key and resynchronise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol

from liquidator.app.monitor.events import Snapshot, StreamEvent


class AccessDeniedError(Exception):
    """The exchange refused the key (wrong key or secret, no permission): not worth retrying."""


class UnreachableError(Exception):
    """The exchange could not be reached or answered with a server error: retry later.

    ``retry_after_s`` is the wait the exchange asked for (HTTP 429/418 ``Retry-After``), if any.
    """

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ExchangeDataError(Exception):
    """The exchange's answers cannot form an account, even just after a resync: the command
    ends (one line, exit 2)."""


class ListenKeyRejectedError(Exception):
    """The listen key is unknown to the exchange (expired or closed)."""


class AccountSource(Protocol):
    """The account's REST side."""

    def snapshot(self) -> Snapshot:
        """Return the account, its positions, brackets, marks, funding and ADL quantiles."""
        ...

    def mark_closes(self, symbol: str, minutes: int) -> Sequence[Decimal]:
        """Return the last ``minutes`` 1-minute mark-price closes of ``symbol``, oldest first."""
        ...

    def open_listen_key(self) -> str: ...

    def keep_alive(self, listen_key: str) -> None:
        """Extend the listen key; raise :class:`ListenKeyRejectedError` if it is gone."""
        ...


class StreamHandle(Protocol):
    """One open stream connection."""

    def subscribe(self, names: Sequence[str]) -> None: ...

    def probe(self) -> None:
        """Ask for an answer (``LIST_SUBSCRIPTIONS``), to tell a silent link from a dead one."""
        ...

    def close(self) -> None: ...


Deliver = Callable[[StreamEvent], None]


class StreamPort(Protocol):
    """Opens stream connections that deliver parsed events (from another thread)."""

    def open(self, names: Sequence[str], deliver: Deliver, generation: int) -> StreamHandle:
        """Connect, subscribe ``names``; raise :class:`UnreachableError` if it cannot connect."""
        ...
