"""Isolated margin changes like Binance's ``GET /fapi/v1/positionMargin/history``.

A row is one move of margin between the cross wallet and an isolated position: ``type`` 1
added margin to the position, 2 took it back. ``deltaType`` says why, as Binance's rows do:
``USER_ADJUST`` an adjustment the account asked for (``POST /fapi/v1/positionMargin``; the
engine journals it as an ``ISOLATED_MARGIN`` ledger entry followed at once by the position's
``PositionChanged``), ``TRADE`` the margin a fill moved (funding an opened quantity, releasing a
closed one's share: the entries come just before the fill's ``OrderTraded``). The rest of a
liquidated wallet returned to cross (no such event follows it) is not listed: Binance documents
no deltaType for it. The ``amount`` is the raw integer moved (exact, no rounding), written as
Binance's decimal text.

The rows live in a store beside the journal (:class:`MarginChangeStore`); system accounts'
changes are not kept (no key reads them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from liquidator.core.exchange.events import Event, OrderTraded, PositionChanged
from liquidator.core.exchange.ledger import EntryKind, LedgerPosted
from liquidator.core.money.fixed import trim_raw
from liquidator.read.history_filter import Window, is_served

ADD, REDUCE = 1, 2  # Binance's ``type``
USER_ADJUST = "USER_ADJUST"  # a POST positionMargin
TRADE = "TRADE"  # margin a fill moved: funding an opened quantity, released by a closed one


@dataclass(frozen=True, slots=True)
class MarginChange:
    """One row of ``positionMargin/history`` (``amount`` raw, positive)."""

    account: str
    symbol: str
    change_type: int  # ADD or REDUCE
    amount: int
    asset: str
    position_side: str
    time_ms: int
    delta_type: str = USER_ADJUST

    def to_binance(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "type": self.change_type,
            "deltaType": self.delta_type,
            "amount": trim_raw(self.amount),
            "asset": self.asset,
            "time": self.time_ms,
            "positionSide": self.position_side,
        }


def margin_changes(events: Iterable[Event]) -> list[MarginChange]:
    """Return the isolated margin changes among one command's events, in order."""
    items = list(events)
    rows: list[MarginChange] = []
    for at, entry in enumerate(items):
        if type(entry) is not LedgerPosted or entry.kind is not EntryKind.ISOLATED_MARGIN:
            continue
        if not is_served(entry.account):
            continue
        cause = _cause(entry, items[at + 1 : at + 3])
        if cause is not None:
            row = _change(entry, *cause)
            if row is not None:
                rows.append(row)
    return rows


def _cause(entry: LedgerPosted, following: list[Event]) -> tuple[str, str] | None:
    """Return (deltaType, position side) of an isolated-margin entry, or None if neither.

    The next event of the same account and symbol says why: ``PositionChanged`` a user's
    adjustment; ``OrderTraded`` (after at most one more margin entry: a fill that closes and
    opens) a fill's.
    """
    for event in following:
        if (getattr(event, "account", None), getattr(event, "symbol", None)) != (
            entry.account,
            entry.symbol,
        ):
            return None
        if type(event) is PositionChanged:
            return USER_ADJUST, event.position_side.value
        if type(event) is OrderTraded:
            return TRADE, event.position_side.value
        if type(event) is not LedgerPosted or event.kind is not EntryKind.ISOLATED_MARGIN:
            return None
    return None


def _change(entry: LedgerPosted, delta_type: str, position_side: str) -> MarginChange | None:
    """Return the row of a change: the isolated wallet's side of the entry says which way."""
    own = entry.account + "/"
    moved = sum(amount for name, amount in entry.postings if name.startswith(own))
    if moved == 0:
        return None
    return MarginChange(
        entry.account,
        entry.symbol,
        ADD if moved > 0 else REDUCE,
        abs(moved),
        entry.asset,
        position_side,
        entry.ts_ms,
        delta_type,
    )


class MarginChangeStore(Protocol):
    """Where margin changes are kept, and how they are found."""

    def margin_changes(
        self, account: str, symbol: str, window: Window, *, change_type: int | None
    ) -> list[MarginChange]:
        """Return the first ``window.limit`` matching rows of ``account``, oldest first."""

    def margin_backfill_seq(self) -> int:
        """Return the last journal record whose changes the store still lacks (0: none): the
        records a table added to existing histories has to be filled from."""

    def backfill_margin_changes(self, changes: list[MarginChange]) -> None:
        """Add the changes of those records and forget the mark, all or nothing.

        Raises ``HistoryWriteError`` if the store cannot be written.
        """


class MarginChangeHistory:
    """Margin changes of user accounts in a store; memory holds only the unwritten ones."""

    def __init__(self, store: MarginChangeStore, sync: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.sync = sync  # writes what is pending, so that the store answers for everything
        self.new_rows: list[MarginChange] = []  # rows to write

    def apply(self, events: Iterable[Event]) -> None:
        self.new_rows.extend(margin_changes(events))

    def written(self) -> None:
        self.new_rows = []

    def query(
        self,
        account: str,
        symbol: str,
        *,
        change_type: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
    ) -> list[MarginChange]:
        """Return up to ``limit`` rows, oldest first, filtered like Binance's parameters."""
        self.sync()
        window = Window(start_ms, end_ms, limit)
        return self.store.margin_changes(account, symbol, window, change_type=change_type)
