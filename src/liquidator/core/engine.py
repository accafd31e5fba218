"""The engine: ``handle(command, now_ms)`` -> events or a rejection; the only mutator of a venue.

Time is an input: before a command is handled, the clock moves to ``now_ms`` (never backwards)
and whatever falls due happens first (samples, funding). A rejected command changes nothing;
the events of the time that passed before it still stand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from liquidator.core import account_settings, order_entry, pricing, risk_sweep
from liquidator.core.commands import (
    AdvanceTime,
    CancelAllOrders,
    CancelOrder,
    Command,
    Deposit,
    ModifyIsolatedMargin,
    OpenAccount,
    PlaceOrder,
    SetFundingRate,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
    SetPositionMode,
    Withdraw,
)
from liquidator.core.events import Event, Rejected, Rejection, RejectReason
from liquidator.core.fixed import SCALE
from liquidator.core.insurance_fund import open_funds
from liquidator.core.liquidity import open_market_maker
from liquidator.core.market import Market
from liquidator.core.snapshot import restore_venue
from liquidator.core.venue import PriceSource, Venue, VenueConfig


@dataclass(slots=True, init=False)
class Outcome:
    """What handling one command produced."""

    events: list[Event]
    rejection: Rejection | None

    def __init__(
        self, events: list[Event] | None = None, rejection: Rejection | None = None
    ) -> None:
        self.events = [] if events is None else events
        self.rejection = rejection

    @property
    def accepted(self) -> bool:
        return self.rejection is None


class Engine:
    """A venue and the loop that changes it."""

    __slots__ = ("_handlers", "venue")

    def __init__(self, market: Market, config: VenueConfig | None = None) -> None:
        self.venue = Venue(market, config or VenueConfig())
        open_market_maker(self.venue, [])
        open_funds(self.venue, [])
        self._handlers: dict[type, Callable[[Any, list[Event]], None]] = {
            OpenAccount: lambda c, out: account_settings.open_account(self.venue, c, out),
            Deposit: lambda c, out: account_settings.deposit(self.venue, c, out),
            Withdraw: lambda c, out: account_settings.withdraw(self.venue, c, out),
            SetLeverage: lambda c, out: account_settings.set_leverage(self.venue, c, out),
            SetMarginType: lambda c, out: account_settings.set_margin_type(self.venue, c, out),
            SetPositionMode: lambda c, out: account_settings.set_position_mode(self.venue, c, out),
            ModifyIsolatedMargin: lambda c, out: account_settings.modify_isolated_margin(
                self.venue, c, out
            ),
            PlaceOrder: self._place,
            CancelOrder: self._cancel,
            CancelAllOrders: self._cancel_all,
            SetIndexPrice: self._set_index,
            SetMarkPrice: self._set_mark,
            SetFundingRate: self._set_funding_rate,
            AdvanceTime: _nothing,
        }

    @classmethod
    def restore(cls, market: Market, config: VenueConfig, state: dict[str, Any]) -> Engine:
        """Return an engine whose state is ``state`` (from :meth:`state`)."""
        engine = cls(market, config)
        engine.venue = restore_venue(market, config, state)
        return engine

    def handle(self, command: Command, now_ms: int) -> Outcome:
        """Apply ``command`` at ``now_ms``; return its events, or a rejection and no change."""
        out: list[Event] = []
        self.venue.risk.begin()
        pricing.advance(self.venue, now_ms, out)
        handler = self._handlers.get(type(command))
        if handler is None:
            raise TypeError(f"not a command: {command!r}")
        try:
            handler(command, out)
        except Rejected as refused:
            risk_sweep.sweep(self.venue, out)  # what the clock moved before the refusal
            return Outcome(out, refused.rejection)
        risk_sweep.sweep(self.venue, out)
        return Outcome(out)

    def state(self) -> dict[str, Any]:
        """Return the whole state as JSON-ready values."""
        return self.venue.to_state()

    def state_hash(self) -> str:
        """Return the SHA-256 of the canonical JSON of :meth:`state`."""
        text = json.dumps(self.state(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def _cancel(self, command: CancelOrder, out: list[Event]) -> None:
        order_entry.cancel_order(self.venue, command, out)

    def _cancel_all(self, command: CancelAllOrders, out: list[Event]) -> None:
        order_entry.cancel_all(self.venue, command, out)

    def _place(self, command: PlaceOrder, out: list[Event]) -> None:
        state = self.venue.symbols.get(command.symbol)
        last, mark = (state.last_price, state.mark_price) if state else (0, 0)
        order_entry.place_order(self.venue, command, out)
        # Without a trade no price input moved: the mark follows the clock only at the sample
        # ticks (``pricing.advance``), as Binance publishes it on a schedule, not per order.
        if state is not None and state.last_price != last:
            pricing.settle_prices(self.venue, state, out, mark_before=mark, last_before=last)

    def _set_index(self, command: SetIndexPrice, out: list[Event]) -> None:
        state = order_entry.require_symbol(self.venue, command.symbol)
        _positive(command.price.raw, "index price")
        mark, last = state.mark_price, state.last_price
        state.index_price = command.price.raw
        count = len(out)
        pricing.settle_prices(self.venue, state, out, mark_before=mark, last_before=last)
        if len(out) == count:
            out.append(pricing.prices_event(self.venue, state))

    def _set_mark(self, command: SetMarkPrice, out: list[Event]) -> None:
        state = order_entry.require_symbol(self.venue, command.symbol)
        if self.venue.config.mark_source is not PriceSource.FEED:
            raise Rejected(
                RejectReason.PRICE_SOURCE_IS_COMPUTED,
                "this venue computes its mark price; it takes index prices",
            )
        _positive(command.price.raw, "mark price")
        mark, last = state.mark_price, state.last_price
        state.mark_price = command.price.raw
        pricing.settle_prices(self.venue, state, out, mark_before=mark, last_before=last)

    def _set_funding_rate(self, command: SetFundingRate, out: list[Event]) -> None:
        state = order_entry.require_symbol(self.venue, command.symbol)
        if self.venue.config.funding_source is not PriceSource.FEED:
            raise Rejected(
                RejectReason.PRICE_SOURCE_IS_COMPUTED, "this venue computes its funding rates"
            )
        if abs(command.rate.raw) >= SCALE:
            raise Rejected(RejectReason.INVALID_RATE, "a funding rate must be within (-1, 1)")
        mark, last = state.mark_price, state.last_price
        state.feed_funding_rate = command.rate.raw
        count = len(out)
        pricing.settle_prices(self.venue, state, out, mark_before=mark, last_before=last)
        if len(out) == count:
            out.append(pricing.prices_event(self.venue, state))


def _nothing(command: AdvanceTime, out: list[Event]) -> None:
    """Time has already moved before any command is handled."""


def _positive(raw: int, name: str) -> None:
    if raw <= 0:
        raise Rejected(RejectReason.INVALID_PRICE, f"the {name} must be positive")
