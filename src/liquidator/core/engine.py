"""The engine: ``handle(command, now_ms)`` -> events or a rejection; the only mutator of a venue.

Time is an input: before a command is handled, the clock moves to ``now_ms`` (never backwards)
and whatever falls due happens first (samples, funding). A rejected command changes nothing;
the events of the time that passed before it still stand.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from mypy_extensions import mypyc_attr

from liquidator.core.contracts.market import Market
from liquidator.core.exchange import account_commands, order_amendment, order_entry
from liquidator.core.exchange.commands import (
    AdvanceTime,
    AmendOrder,
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
from liquidator.core.exchange.events import Event, Rejected, Rejection, RejectReason
from liquidator.core.exchange.maker_account import open_market_maker
from liquidator.core.exchange.snapshot import restore_venue
from liquidator.core.exchange.venue import PriceSource, SymbolState, Venue, VenueConfig
from liquidator.core.money.scaled import SCALE
from liquidator.core.pricing import updates
from liquidator.core.risk import sweep
from liquidator.core.risk.insurance_fund import open_funds


@mypyc_attr(acyclic=True, free_list_len=1)
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
    """A venue and the loop that changes it.

    The handlers are module functions of ``(venue, command, out)``, looked up by command type:
    an engine holds no reference to itself, so a dropped engine is freed at once rather than
    left to the cyclic garbage collector.
    """

    __slots__ = ("venue",)

    def __init__(self, market: Market, config: VenueConfig | None = None) -> None:
        self.venue = Venue(market, config or VenueConfig())
        open_market_maker(self.venue, [])
        open_funds(self.venue, [])

    @classmethod
    def restore(cls, market: Market, config: VenueConfig, state: dict[str, Any]) -> Engine:
        """Return an engine whose state is ``state`` (from :meth:`state`)."""
        engine = cls(market, config)
        engine.venue = restore_venue(market, config, state)
        return engine

    def handle(self, command: Command, now_ms: int) -> Outcome:
        """Apply ``command`` at ``now_ms``; return its events, or a rejection and no change."""
        out: list[Event] = []
        venue = self.venue
        venue.risk.begin()
        updates.advance(venue, now_ms, out)
        try:
            _dispatch(venue, command, out)
        except Rejected as refused:
            sweep.sweep(venue, out)  # what the clock moved before the refusal
            return Outcome(out, refused.rejection)
        sweep.sweep(venue, out)
        return Outcome(out)

    def state(self) -> dict[str, Any]:
        """Return the whole state as JSON-ready values."""
        return self.venue.to_state()

    def state_hash(self) -> str:
        """Return the SHA-256 of the canonical JSON of :meth:`state`."""
        return self.canonical_state()[1]

    def canonical_state(self) -> tuple[str, str]:
        """Return the canonical JSON of :meth:`state` (keys sorted, compact) and its SHA-256.

        One walk and one encoding for both: a snapshot stores the text and checks the hash.
        """
        text = json.dumps(self.state(), sort_keys=True, separators=(",", ":"))
        return text, hashlib.sha256(text.encode()).hexdigest()


def _dispatch(venue: Venue, command: Command, out: list[Event]) -> None:
    """Run ``command``'s handler: orders and cancels by a direct call (most commands), the rest
    looked up by type (a call through the table goes through Python's calling convention)."""
    kind = type(command)
    if kind is PlaceOrder:
        _place(venue, typing.cast(PlaceOrder, command), out)
    elif kind is CancelOrder:
        order_entry.cancel_order(venue, typing.cast(CancelOrder, command), out)
    else:
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise TypeError(f"not a command: {command!r}")
        handler(venue, command, out)


def _place(venue: Venue, command: PlaceOrder, out: list[Event]) -> None:
    state = venue.symbols.get(command.symbol)
    last, mark = _prices(state)
    order_entry.place_order(venue, command, out, state)
    _settle_if_traded(venue, state, out, mark, last)


def _amend(venue: Venue, command: AmendOrder, out: list[Event]) -> None:
    state = venue.symbols.get(command.symbol)
    last, mark = _prices(state)
    order_amendment.amend_order(venue, command, out)
    _settle_if_traded(venue, state, out, mark, last)


def _prices(state: SymbolState | None) -> tuple[int, int]:
    """Return the symbol's (last, mark) before an order command; (0, 0) for an unknown one."""
    if state is None:
        return 0, 0
    return state.last_price, state.mark_price


def _settle_if_traded(
    venue: Venue, state: SymbolState | None, out: list[Event], mark: int, last: int
) -> None:
    """After an order command: if it traded, settle the prices its last trade moved.

    (Written out in each handler, not around a callback: a closure per order, two objects
    built and freed, was a measurable part of an order's cost.)
    """
    # Without a trade no price input moved: the mark follows the clock only at the sample
    # ticks (``updates.advance``), as Binance publishes it on a schedule, not per order.
    if state is not None and state.last_price != last:
        updates.settle_prices(venue, state, out, mark_before=mark, last_before=last)


def _set_index(venue: Venue, command: SetIndexPrice, out: list[Event]) -> None:
    state = order_entry.require_symbol(venue, command.symbol)
    _positive(command.price.raw, "index price")
    mark, last = state.mark_price, state.last_price
    state.index_price = command.price.raw
    _settle_and_publish(venue, state, out, mark, last)


def _set_mark(venue: Venue, command: SetMarkPrice, out: list[Event]) -> None:
    state = order_entry.require_symbol(venue, command.symbol)
    if venue.config.mark_source is not PriceSource.FEED:
        raise Rejected(
            RejectReason.PRICE_SOURCE_IS_COMPUTED,
            "this venue computes its mark price; it takes index prices",
        )
    _positive(command.price.raw, "mark price")
    mark, last = state.mark_price, state.last_price
    state.mark_price = command.price.raw
    updates.settle_prices(venue, state, out, mark_before=mark, last_before=last)


def _set_funding_rate(venue: Venue, command: SetFundingRate, out: list[Event]) -> None:
    state = order_entry.require_symbol(venue, command.symbol)
    if venue.config.funding_source is not PriceSource.FEED:
        raise Rejected(
            RejectReason.PRICE_SOURCE_IS_COMPUTED, "this venue computes its funding rates"
        )
    if abs(command.rate.raw) >= SCALE:
        raise Rejected(RejectReason.INVALID_RATE, "a funding rate must be within (-1, 1)")
    mark, last = state.mark_price, state.last_price
    state.feed_funding_rate = command.rate.raw
    _settle_and_publish(venue, state, out, mark, last)


def _settle_and_publish(
    venue: Venue, state: SymbolState, out: list[Event], mark: int, last: int
) -> None:
    """Settle the prices after an input changed; publish them even when none of them moved."""
    count = len(out)
    updates.settle_prices(venue, state, out, mark_before=mark, last_before=last)
    if len(out) == count:
        out.append(updates.prices_event(venue, state))


def _nothing(venue: Venue, command: AdvanceTime, out: list[Event]) -> None:
    """Time has already moved before any command is handled."""


def _positive(raw: int, name: str) -> None:
    if raw <= 0:
        raise Rejected(RejectReason.INVALID_PRICE, f"the {name} must be positive")


_HANDLERS: Final[dict[type, Callable[[Venue, Any, list[Event]], object]]] = {
    OpenAccount: account_commands.open_account,
    Deposit: account_commands.deposit,
    Withdraw: account_commands.withdraw,
    SetLeverage: account_commands.set_leverage,
    SetMarginType: account_commands.set_margin_type,
    SetPositionMode: account_commands.set_position_mode,
    ModifyIsolatedMargin: account_commands.modify_isolated_margin,
    PlaceOrder: _place,
    CancelOrder: order_entry.cancel_order,
    AmendOrder: _amend,
    CancelAllOrders: order_entry.cancel_all,
    SetIndexPrice: _set_index,
    SetMarkPrice: _set_mark,
    SetFundingRate: _set_funding_rate,
    AdvanceTime: _nothing,
}
