"""``liquidator explain``: a journal read as the history a post-mortem needs.

``explain`` and ``postmortem --journal`` are one report: the journal's events become the same
records Binance's API serves (the account's fills, its forced orders, its income rows, the mark
path) and go through the one post-mortem engine (``liquidator.postmortem``). What only a journal
knows rides along as :class:`~liquidator.postmortem.records.Evidence`: the unit's exact wallet
before, the trigger's margin balance, maintenance and marks, the margin call, the orders
cancelled, what the insurance fund took over and who was auto-deleveraged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from liquidator.app.journal import Journal
from liquidator.core.exchange.codec import decode_event, record_type
from liquidator.core.exchange.events import (
    AutoDeleveraged,
    Event,
    LeverageChanged,
    LiquidationTriggered,
    MarginCallIssued,
    OrderClosed,
    OrderTraded,
    PositionChanged,
    PositionLiquidated,
    PricesUpdated,
)
from liquidator.core.exchange.ledger import LedgerPosted
from liquidator.core.exchange.orders import ExpiryReason
from liquidator.core.margin.position import MarginType
from liquidator.postmortem.records import (
    Evidence,
    Fill,
    ForcedOrder,
    History,
    Income,
    PostmortemError,
)
from liquidator.read.force_orders import ForceOrder, ForceOrders
from liquidator.read.history_filter import Window
from liquidator.read.income import income_of


class ExplainError(PostmortemError):
    """Nothing to explain: no such account in the journal."""


class _NoStore:
    """A forced-order store that keeps nothing: the reader takes the finished rows itself."""

    def force_orders(
        self,
        account: str,  # noqa: ARG002
        window: Window,  # noqa: ARG002
        *,
        symbol: str | None,  # noqa: ARG002
        auto_close_type: str | None,  # noqa: ARG002
    ) -> list[ForceOrder]:
        return []

    def force_orders_in_progress(self) -> list[ForceOrder]:
        return []


class _Trigger:
    """A liquidation being told: its trigger, until its first order names it."""

    def __init__(self, event: LiquidationTriggered, wallet: int, call: MarginCallIssued | None):
        self.event, self.wallet, self.call = event, wallet, call
        self.cancelled: list[int] = []
        self.taken_over = 0
        self.deleveraged: list[tuple[str, str, int, int]] = []
        self.first_order: int | None = None

    def evidence(self) -> Evidence:
        call = self.call
        e = self.event
        return Evidence(
            isolated="/" in e.wallet,
            wallet=self.wallet,
            margin_balance=e.margin_balance,
            maintenance=e.maintenance_margin,
            marks=e.marks,
            margin_call=(call.ts_ms, call.margin_balance, call.maintenance_margin)
            if call
            else None,
            cancelled=tuple(self.cancelled),
            taken_over=self.taken_over,
            deleveraged=tuple(self.deleveraged),
        )


class _Reader:
    """Walks the events once, keeping one account's records."""

    def __init__(self, account: str, source: str) -> None:
        self.account = account
        self.history = History(source)
        self.forced = ForceOrders(_NoStore())
        self.wallets: dict[str, int] = {}
        self.calls: dict[str, MarginCallIssued] = {}
        self.triggers: list[_Trigger] = []
        self.seen = False

    def feed(self, event: Event) -> None:
        self.history.end_ms = max(self.history.end_ms, event.ts_ms)
        if isinstance(event, PricesUpdated):
            path = self.history.marks.setdefault(event.symbol, [])
            if not path or path[-1][1] != event.mark_price:
                path.append((event.ts_ms, event.mark_price))
        elif isinstance(event, LedgerPosted):
            self._ledger(event)
        elif (
            isinstance(event, AutoDeleveraged)
            and event.counterparty == self.account
            and self.triggers
        ):
            row = (event.account, event.side, event.quantity, event.price)
            self.triggers[-1].deleveraged.append(row)
        if getattr(event, "account", None) == self.account:
            self.seen = True
            self._own(event)

    def _ledger(self, event: LedgerPosted) -> None:
        own = self.account + "/"
        for name, amount in event.postings:
            if name == self.account or name.startswith(own):
                self.wallets[name] = self.wallets.get(name, 0) + amount
        if event.account == self.account:
            row = income_of(event)
            if row is not None:
                self.history.asset = row.asset
                self.history.income.append(
                    Income(
                        row.time_ms, row.symbol, row.income_type, row.income, row.asset, row.tran_id
                    )
                )

    def _own(self, event: Event) -> None:
        self.forced.apply([event])
        for row in self.forced.new_rows:
            self._forced(row)
        self.forced.written()
        if isinstance(event, OrderTraded):
            self.history.fills.append(_fill(event))
        elif isinstance(event, PositionChanged):
            kind = "isolated" if event.margin_type is MarginType.ISOLATED else "cross"
            self.history.margin_types[event.symbol] = kind
        elif isinstance(event, LeverageChanged):
            self.history.leverage[event.symbol] = event.leverage
        elif isinstance(event, MarginCallIssued):
            self.calls[event.wallet] = event
        elif isinstance(event, LiquidationTriggered):
            wallet = self.wallets.get(event.wallet, 0)
            self.triggers.append(_Trigger(event, wallet, self.calls.pop(event.wallet, None)))
        elif self.triggers and isinstance(event, OrderClosed):
            if event.expiry_reason is ExpiryReason.LIQUIDATION:
                self.triggers[-1].cancelled.append(event.order_id)
        elif self.triggers and isinstance(event, PositionLiquidated):
            self.triggers[-1].taken_over += event.taken_over

    def _forced(self, row: ForceOrder) -> None:
        order = ForcedOrder(
            row.order_id,
            row.symbol,
            row.side,
            row.position_side,
            row.price,
            row.quantity,
            row.executed,
            row.average_price,
            row.time_ms,
            row.auto_close_type,
        )
        self.history.forced.append(order)
        trigger = self.triggers[-1] if self.triggers else None
        if order.kind == "LIQUIDATION" and trigger is not None and trigger.first_order is None:
            trigger.first_order = order.order_id

    def finish(self) -> History:
        for trigger in self.triggers:
            if trigger.first_order is not None:
                self.history.evidence[trigger.first_order] = trigger.evidence()
        return self.history


def _fill(event: OrderTraded) -> Fill:
    return Fill(
        event.ts_ms,
        event.symbol,
        event.side,
        event.position_side.value,
        event.price,
        event.quantity,
        event.commission,
        event.realized_pnl,
        event.order_id,
        event.trade_id,
    )


def journal_history(records: Iterable[list[Any]], account: str, source: str) -> History:
    """Return the history of ``account`` in the journal records' events."""
    reader = _Reader(account, source)
    for items in records:
        for item in items:
            if record_type(item) != "Rejected":
                reader.feed(decode_event(item))
    if not reader.seen:
        raise ExplainError(f"account {account!r} does not appear in the journal")
    return reader.finish()


def journal_events(journal: Journal) -> Iterator[list[Any]]:
    for record in journal.records_after(0):
        yield json.loads(record.events)
