"""Isolated margin changes like Binance's ``GET /fapi/v1/positionMargin/history``.

A row is one margin adjustment the account asked for (``POST /fapi/v1/positionMargin``):
``type`` 1 added margin from the cross wallet to the isolated position, 2 reduced it,
``deltaType`` ``USER_ADJUST``. The engine journals such an adjustment as an ``ISOLATED_MARGIN``
ledger entry followed at once by the position's ``PositionChanged``; that pair is what
:func:`margin_changes` reads. The engine's other isolated-margin moves (margin funding an opened
quantity or released by a closed one: the entry is followed by its ``OrderTraded``; the rest of
a liquidated wallet returned to cross: no ``PositionChanged`` follows) are not adjustments and
are left out, as Binance's history lists what the user moved. The ``amount`` is the raw
integer moved (exact, no rounding), written as Binance's decimal text.

The rows live in a store beside the journal (:class:`MarginChangeStore`); system accounts'
changes are not kept (no key reads them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from liquidator.core.exchange.events import Event, PositionChanged
from liquidator.core.exchange.ledger import EntryKind, LedgerPosted
from liquidator.core.money.fixed import trim_raw
from liquidator.read.history_filter import Window, is_served

ADD, REDUCE = 1, 2  # Binance's ``type``
USER_ADJUST = "USER_ADJUST"


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
    """Return the user adjustments among one command's events, in order."""
    rows: list[MarginChange] = []
    for entry, after in pairwise(events):
        if type(entry) is not LedgerPosted or entry.kind is not EntryKind.ISOLATED_MARGIN:
            continue
        if type(after) is not PositionChanged or not is_served(entry.account):
            continue
        if (after.account, after.symbol) != (entry.account, entry.symbol):
            continue
        row = _change(entry, after)
        if row is not None:
            rows.append(row)
    return rows


def _change(entry: LedgerPosted, position: PositionChanged) -> MarginChange | None:
    """Return the row of an adjustment: the isolated wallet's side of the entry says which way."""
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
        position.position_side.value,
        entry.ts_ms,
    )


class MarginChangeStore(Protocol):
    """Where margin changes are kept, and how they are found."""

    def margin_changes(
        self, account: str, symbol: str, window: Window, *, change_type: int | None
    ) -> list[MarginChange]:
        """Return the first ``window.limit`` matching rows of ``account``, oldest first."""


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
