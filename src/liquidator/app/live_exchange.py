"""The exchange a server runs: the journaled engine, its clock, and the read models beside it.

Every command goes through :meth:`LiveExchange.submit`, one at a time: the time comes from the
clock (never earlier than the last command's), the journal records it, the read models (order
history, market history, income, forced orders, insurance funds) take its events, and every
listener (the WebSocket streams) hears them. Readers look at ``venue`` and the read models; only
``submit`` changes anything. On start the read models are rebuilt from the journal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Protocol

from liquidator.app.exchange import Exchange
from liquidator.app.force_orders import ForceOrders
from liquidator.app.income import IncomeHistory
from liquidator.app.insurance import FundHistory
from liquidator.app.market_history import MarketHistory
from liquidator.app.order_history import OrderHistory
from liquidator.core.codec import decode_event, record_type
from liquidator.core.commands import Command
from liquidator.core.engine import Outcome
from liquidator.core.events import Event
from liquidator.core.venue import Venue

Listener = Callable[[list[Event]], None]


class Clock(Protocol):
    """Where the time of the next command comes from (wall or simulated)."""

    def now_ms(self) -> int: ...


class SimulatedClock:
    """A clock that moves only when told (``advance``); starts at ``start_ms``."""

    def __init__(self, start_ms: int) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("simulated time never goes back")
        self._now += ms


class LiveExchange:
    """The journaled engine behind a server, with its read models and listeners."""

    def __init__(self, exchange: Exchange, clock: Clock) -> None:
        self.exchange = exchange
        self.clock = clock
        self.orders = OrderHistory()
        self.market = MarketHistory()
        self.income = IncomeHistory()
        self.force_orders = ForceOrders()
        self.funds = FundHistory()
        self.listeners: list[Listener] = []
        self.last_ms = exchange.engine.venue.now_ms
        self._rebuild()

    @property
    def venue(self) -> Venue:
        return self.exchange.engine.venue

    def now_ms(self) -> int:
        """The time the next command would run at."""
        return max(self.clock.now_ms(), self.last_ms)

    def submit(self, command: Command) -> Outcome:
        """Run ``command`` now, journal it, update the read models and tell the listeners."""
        now = self.now_ms()
        outcome = self.exchange.submit(command, now)
        self.last_ms = now
        self._apply(outcome.events)
        for listener in list(self.listeners):
            listener(outcome.events)
        return outcome

    def _apply(self, events: list[Event]) -> None:
        for model in (self.orders, self.market, self.income, self.force_orders, self.funds):
            model.apply(events)

    def _rebuild(self) -> None:
        for record in self.exchange.journal.records_after(0):
            items = json.loads(record.events)
            self._apply([decode_event(item) for item in items if record_type(item) != "Rejected"])

    def close(self) -> None:
        self.exchange.close()
