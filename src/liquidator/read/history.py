"""The histories behind a server: read models projected from the journal into a store beside it.

The journal is the source of truth; the histories (orders and fills, market data, income,
forced orders, the insurance funds, isolated margin changes) are a projection of its records,
kept in a store (:class:`HistoryStore`: SQLite tables in the journal's file, or an in-memory
database) with a checkpoint, ``applied_seq``: the last journal record whose events the store
holds.

* **Write after the journal.** :meth:`Histories.apply` takes the events of a command already
  journaled; they are written in one transaction with the checkpoint every ``write_every``
  commands, before any read that needs them, and on close, always after the journal's own
  pending records (``before_write``). A history row is never visible (nor on disk) before the
  journal record that produced it.
* **Catch up, never rebuild.** On start the store's checkpoint says where the projection stands;
  the journal records after it are decoded (their events, not re-run through the engine) and
  applied. Only new (empty) history tables start from the journal's first record.
* **Memory bounded by the live state.** Between writes the models hold what changed since the
  last one; besides that, only open orders, the minute bars being built, the ticker's 24 hours
  and the funds' levels.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from liquidator.app.journal import Journal, JournalError, JournalRecord
from liquidator.core.exchange.codec import decode_event, record_type
from liquidator.core.exchange.events import Event, FundingSettled, TradeExecuted
from liquidator.core.exchange.orders import Order
from liquidator.read.force_orders import ForceOrder, ForceOrders, ForceOrderStore
from liquidator.read.income import IncomeHistory, IncomeRow, IncomeStore
from liquidator.read.insurance_funds import FundHistory, FundLevel, FundMovement, FundStore
from liquidator.read.margin_changes import (
    MarginChange,
    MarginChangeHistory,
    MarginChangeStore,
    margin_changes,
)
from liquidator.read.market_history import Bar, MarketHistory, MarketStore
from liquidator.read.order_history import Fill, OrderHistory, OrderStore

log = logging.getLogger("liquidator.history")

WRITE_EVERY = 256  # commands between two writes of the histories (reads write sooner)
PROJECTED = frozenset(
    {
        "OrderAccepted",
        "OrderTraded",
        "OrderClosed",
        "OrderTriggered",
        "TradeExecuted",
        "PricesUpdated",
        "PremiumSampled",
        "FundingSettled",
        "LedgerPosted",
        "PositionLiquidated",
        "AutoDeleveraged",
        "PositionChanged",  # after an ISOLATED_MARGIN entry: a user's margin adjustment
    }
)  # the event types a history reads


class _Model(Protocol):
    """A read model the histories feed: the events of each record, then each write's end."""

    def apply(self, events: Sequence[Event]) -> None: ...

    def written(self) -> None: ...


class HistoryWriteError(Exception):
    """The store could not take a write (disk full, I/O error); nothing of it was written.

    Raised by :meth:`HistoryStore.write`. The rows stay in memory: a periodic write logs it and
    the next write retries; a read that needs the store up to date fails with it.
    """


@dataclass
class HistoryBatch:
    """What one write adds to the store: every row since the last, and the new checkpoint."""

    applied_seq: int
    orders: list[Order] = field(default_factory=list)  # records to insert or replace
    fills: list[Fill] = field(default_factory=list)
    income: list[IncomeRow] = field(default_factory=list)
    force_orders: list[ForceOrder] = field(default_factory=list)  # finished
    force_in_progress: list[ForceOrder] = field(default_factory=list)  # replaces the last
    trades: list[TradeExecuted] = field(default_factory=list)
    bars: list[tuple[str, int, Bar]] = field(default_factory=list)  # to insert or replace
    funding: list[FundingSettled] = field(default_factory=list)
    fund_movements: list[FundMovement] = field(default_factory=list)
    fund_levels: list[FundLevel] = field(default_factory=list)  # to insert or replace
    margin_changes: list[MarginChange] = field(default_factory=list)


class HistoryStore(
    OrderStore, IncomeStore, ForceOrderStore, MarketStore, FundStore, MarginChangeStore, Protocol
):
    """The histories' tables: one write per batch, and the queries each read model makes."""

    def applied_seq(self) -> int:
        """Return the seq of the last journal record the store holds the events of."""

    def write(self, batch: HistoryBatch) -> None:
        """Add ``batch`` and move the checkpoint to ``batch.applied_seq``, all or nothing.

        Raises :class:`HistoryWriteError` if the store cannot be written (a store that writes
        in the background keeps the write, retries it, and raises at the next read instead).
        """

    def discard_pending(self) -> None:
        """Drop the writes not yet written, if the store writes in the background (the
        histories are then caught up again from its checkpoint)."""

    def close(self) -> None:
        """Release the store."""


class Histories:
    """Every read model of a server, projected from journaled events into a store."""

    def __init__(self, store: HistoryStore, *, write_every: int = WRITE_EVERY) -> None:
        if write_every < 1:
            raise ValueError(f"write_every must be at least 1, got {write_every}")
        self.store = store
        self.write_every = write_every
        self.before_write: Callable[[], None] = lambda: None  # makes the journal durable first
        self.orders = OrderHistory(store, self.write)
        self.market = MarketHistory(store, self.write)
        self.income = IncomeHistory(store, self.write)
        self.force_orders = ForceOrders(store, self.write)
        self.funds = FundHistory(store)
        self.margin_changes = MarginChangeHistory(store, self.write)
        self.applied_seq = self.written_seq = store.applied_seq()

    def apply(self, seq: int, events: Sequence[Event]) -> None:
        """Take the events of journal record ``seq`` (the next one); write every few commands."""
        if seq != self.applied_seq + 1:
            raise JournalError(
                f"the histories hold record {self.applied_seq} and were given record {seq}"
            )
        for model in self._models():
            model.apply(events)
        self.applied_seq = seq
        if seq - self.written_seq >= self.write_every:
            self._write_when_due()

    def _write_when_due(self) -> None:
        """Write, or leave it to the next write if the store refuses (the command stands)."""
        try:
            self.write()
        except HistoryWriteError as error:  # kept in memory, written with the next batch
            log.warning("the histories could not be written (%s): retried at the next write", error)

    def write(self) -> None:
        """Write everything applied since the last write, after the journal's own records."""
        if self.applied_seq == self.written_seq:
            return
        self.before_write()
        self.store.write(self._batch())
        self.written_seq = self.applied_seq
        for model in self._models():
            model.written()

    def _models(self) -> tuple[_Model, ...]:
        return (
            self.orders,
            self.market,
            self.income,
            self.force_orders,
            self.funds,
            self.margin_changes,
        )

    def _batch(self) -> HistoryBatch:
        return HistoryBatch(
            self.applied_seq,
            orders=list(self.orders.changed.values()),
            fills=self.orders.new_fills,
            income=self.income.new_rows,
            force_orders=self.force_orders.new_rows,
            force_in_progress=list(self.force_orders.open.values()),
            trades=self.market.new_trades,
            bars=[(symbol, mark, bar) for (symbol, mark, _), bar in self.market.changed.items()],
            funding=self.market.new_funding,
            fund_movements=self.funds.movements,
            fund_levels=list(self.funds.changed.values()),
            margin_changes=self.margin_changes.new_rows,
        )

    def catch_up(self, journal: Journal, last_seq: int) -> int:
        """Apply the journal's records after the checkpoint up to ``last_seq``; return how many."""
        if self.applied_seq > last_seq:
            raise JournalError(
                f"{journal}: the histories hold record {self.applied_seq} but the journal ends"
                f" at {last_seq} (the history tables are ahead of their source)"
            )
        self._backfill_margin_changes(journal, min(self.store.margin_backfill_seq(), last_seq))
        first = self.applied_seq
        for record in journal.records_after(first):
            if record.seq > last_seq:
                break
            self.apply(record.seq, journaled_events(record))
        self.write()
        return self.applied_seq - first

    def _backfill_margin_changes(self, journal: Journal, until: int) -> None:
        """Fill the margin changes of records ``1..until``: a table added to histories that
        already stood there (``history_0002``) starts with the journal's past, not empty."""
        if until <= 0:
            return
        changes: list[MarginChange] = []
        for record in journal.records_after(0):
            if record.seq > until:
                break
            changes.extend(margin_changes(journaled_events(record)))
        self.store.backfill_margin_changes(changes)
        log.info("margin changes of %d journal records filled in: %d rows", until, len(changes))


def journaled_events(record: JournalRecord) -> list[Event]:
    """Decode the events of ``record`` that a history reads (the rest are skipped undecoded)."""
    items: list[Any] = json.loads(record.events)
    return [decode_event(item) for item in items if record_type(item) in PROJECTED]
