"""The exchange a server runs: the journaled engine, its clock, and the read models beside it.

Every command goes through :meth:`LiveExchange.submit`, one at a time: the time comes from the
clock (never earlier than the last command's), the journal records it, the read models (order
history, market history, income, forced orders, insurance funds: :class:`Histories`) take its
events, and every listener (the WebSocket streams) hears them. Readers look at ``venue`` and the
read models; only ``submit`` changes anything. On start the read models catch up from the
journal records after their store's checkpoint (none after a clean shutdown).

Durable before visible: with an exchange in group-commit mode the records of the commands
handled in one turn of a server's loop are written together by :meth:`LiveExchange.flush`, and
the server holds every answer and every stream message until then. A failed write undoes the
batch: the read models (which took its events at once, for the handlers' own reads) are rebuilt
from their store and the journal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from liquidator.app.clock import Clock
from liquidator.app.exchange import Exchange
from liquidator.app.journal import JournalUnavailable
from liquidator.core.engine import Outcome
from liquidator.core.exchange.commands import Command
from liquidator.core.exchange.events import Event
from liquidator.core.exchange.venue import Venue
from liquidator.read.force_orders import ForceOrders
from liquidator.read.history import Histories, HistoryStore, HistoryWriteError
from liquidator.read.income import IncomeHistory
from liquidator.read.insurance_funds import FundHistory
from liquidator.read.market_history import MarketHistory
from liquidator.read.order_history import OrderHistory

log = logging.getLogger("liquidator.live")
Listener = Callable[[list[Event]], None]


class LiveExchange:
    """The journaled engine behind a server, with its read models and listeners."""

    def __init__(
        self, exchange: Exchange, clock: Clock, store: HistoryStore, *, write_every: int = 256
    ) -> None:
        self.exchange = exchange
        self.clock = clock
        self.histories = self._histories(store, write_every)
        self.listeners: list[Listener] = []
        self.last_ms = exchange.engine.venue.now_ms
        self.caught_up = self.histories.catch_up(exchange.journal, exchange.seq)

    @property
    def venue(self) -> Venue:
        return self.exchange.engine.venue

    @property
    def orders(self) -> OrderHistory:
        return self.histories.orders

    @property
    def market(self) -> MarketHistory:
        return self.histories.market

    @property
    def income(self) -> IncomeHistory:
        return self.histories.income

    @property
    def force_orders(self) -> ForceOrders:
        return self.histories.force_orders

    @property
    def funds(self) -> FundHistory:
        return self.histories.funds

    def now_ms(self) -> int:
        """The time the next command would run at."""
        return max(self.clock.now_ms(), self.last_ms)

    @property
    def pending(self) -> bool:
        """Whether handled commands wait for :meth:`flush` to write their records."""
        return self.exchange.pending > 0

    def submit(self, command: Command) -> Outcome:
        """Run ``command`` now, journal it, update the read models and tell the listeners.

        With an exchange in group-commit mode the record waits for :meth:`flush`: the read
        models and the listeners see the command at once (the streams' messages then describe
        the state right after it), and whoever shows any of it waits for the flush."""
        now = self.now_ms()
        try:
            outcome = self.exchange.submit(command, now)
            self.last_ms = now
            self.histories.apply(self.exchange.seq, outcome.events)
        except JournalUnavailable:
            self._undo()
            raise
        for listener in list(self.listeners):
            listener(outcome.events)
        return outcome

    def flush(self) -> None:
        """Write the pending records in one transaction.

        Raises :class:`JournalUnavailable` if they could not be written: the exchange undid
        their commands and the read models are rebuilt from what is on disk."""
        try:
            self.exchange.flush()
        except JournalUnavailable:
            self._undo()
            raise

    def _undo(self) -> None:
        """After a failed write undid commands: rebuild the read models from their store and
        the journal if they had taken the events of commands the journal does not hold."""
        written = self.exchange.seq
        if self.histories.applied_seq > written:
            self.histories.store.discard_pending()  # what they held comes again from the journal
            self.histories = self._histories(self.histories.store, self.histories.write_every)
            try:
                self.histories.catch_up(self.exchange.journal, written)
            except HistoryWriteError as error:  # caught up in memory; written next time
                log.warning("the histories could not be written after an undo: %s", error)

    def _histories(self, store: HistoryStore, write_every: int) -> Histories:
        """Read models over ``store``, each write of theirs after the journal's pending records."""
        histories = Histories(store, write_every=write_every)
        histories.before_write = self.exchange.flush
        return histories

    def close(self) -> None:
        """Write the histories, then close the journal (its pending records first)."""
        try:
            self.histories.write()
        finally:
            self.exchange.close()
            self.histories.store.close()
