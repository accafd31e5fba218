"""Builders for exchange scenarios: an engine on the bundled market, driven by a ticking clock.

Every command goes through :meth:`Exchange.handle`, which runs it one millisecond after the
previous one and then checks that the ledger still balances (every asset sums to zero). A
command expected to be refused goes through :meth:`Exchange.reject`, which runs it at the time
of the previous command (so no time passes) and checks that the state hash did not move.

Amounts in assertions are raw ints at 10**-8, written ``raw("0.3")`` so the decimal reads as
the hand calculation in the comment beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine, Outcome
from liquidator.core.exchange.commands import (
    AdvanceTime,
    CancelAllOrders,
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
    SetMarkPrice,
)
from liquidator.core.exchange.events import (
    OrderAccepted,
    OrderClosed,
    OrderTraded,
    PositionChanged,
    Rejection,
    RejectReason,
)
from liquidator.core.exchange.ledger import FEES
from liquidator.core.exchange.orders import (
    Order,
    OrderType,
    SelfTradePrevention,
    Side,
    TimeInForce,
    WorkingType,
)
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.pretrade import cross_figures
from liquidator.core.money.fixed import Amount, Price, Qty, Rate, parse_raw

BTC = "BTCUSDT"
USDT = "USDT"
EIGHT_HOURS_MS = 8 * 3600 * 1000
#: 2024-01-01 00:00 UTC, a funding time; the first command runs one second later.
START_MS = 1_704_067_200_000

E = TypeVar("E")


def raw(value: str) -> int:
    """Return the raw 10**-8 count of an exact decimal ("0.3" -> 30_000_000)."""
    return parse_raw(value)


def usdt(value: str) -> Amount:
    return Amount.of(value, USDT)


@cache
def market() -> Market:
    """Return the bundled market (parsed once: it is immutable)."""
    return bundled_market()


def of_type(outcome: Outcome, kind: type[E]) -> list[E]:
    """Return the events of ``kind`` in ``outcome``, in order."""
    return [event for event in outcome.events if isinstance(event, kind)]


@dataclass(frozen=True, slots=True)
class Fill:
    """One side of one fill, as the hand calculation states it: (order, price, qty, fee, pnl)."""

    order_id: int
    price: int
    quantity: int
    commission: int
    realized_pnl: int
    maker: bool


def fills(outcome: Outcome, account: str) -> list[Fill]:
    """Return ``account``'s fills in ``outcome``."""
    return [
        Fill(t.order_id, t.price, t.quantity, t.commission, t.realized_pnl, t.maker)
        for t in of_type(outcome, OrderTraded)
        if t.account == account
    ]


def closed(outcome: Outcome) -> list[tuple[int, str, int]]:
    """Return ``(order id, status, expiry reason)`` of every order closed in ``outcome``."""
    return [(c.order_id, c.status, int(c.expiry_reason)) for c in of_type(outcome, OrderClosed)]


def exchange(
    *accounts: str, index: str = "60000", deposit: str = "10000", config: VenueConfig | None = None
) -> Exchange:
    """Return an exchange with BTCUSDT's index (so its mark) at ``index`` and funded accounts."""
    venue = Exchange(config)
    venue.set_index(index)
    for account in accounts:
        venue.open(account, deposit)
    return venue


def with_long(quantity: str = "0.010") -> Exchange:
    """Return an exchange where ``trader`` is long ``quantity`` at 60000 against ``maker``.

    ``a`` and ``b`` are funded too, to print trades that move the last price.
    """
    venue = exchange("trader", "maker", "a", "b")
    venue.trade("trader", "maker", quantity, "60000")
    return venue


def with_short(quantity: str = "0.010") -> Exchange:
    """Return an exchange where ``trader`` is short ``quantity`` at 60000 against ``maker``."""
    venue = exchange("trader", "maker", "a", "b")
    venue.trade("maker", "trader", quantity, "60000")
    return venue


class Exchange:
    """An :class:`Engine` on the bundled market with a clock that ticks 1 ms per command."""

    def __init__(self, config: VenueConfig | None = None) -> None:
        self.engine = Engine(market(), config or VenueConfig())
        self.clock_ms = START_MS + 1_000

    # -- driving ---------------------------------------------------------------------------

    def handle(self, command: Command) -> Outcome:
        """Run ``command`` at the next millisecond; check the ledger balances afterwards."""
        outcome = self.engine.handle(command, self.clock_ms)
        self.clock_ms += 1
        self.assert_balanced()
        return outcome

    def accept(self, command: Command) -> Outcome:
        """Run ``command`` and fail unless it was accepted."""
        outcome = self.handle(command)
        assert outcome.rejection is None, outcome.rejection
        return outcome

    def reject(self, command: Command, reason: RejectReason) -> Rejection:
        """Run ``command`` with no time passing; expect refusal for ``reason`` and no change."""
        before = self.engine.state_hash()
        outcome = self.engine.handle(command, self.engine.venue.now_ms)
        assert outcome.rejection is not None, f"accepted: {outcome.events}"
        assert outcome.rejection.reason is reason, outcome.rejection
        assert outcome.events == []
        assert self.engine.state_hash() == before
        self.assert_balanced()
        return outcome.rejection

    def set_clock(self, now_ms: int) -> None:
        """Run the next command at ``now_ms`` (the clock goes on ticking from there)."""
        self.clock_ms = now_ms

    def advance_to(self, now_ms: int) -> Outcome:
        """Let time pass until ``now_ms`` (the clock goes on ticking from there)."""
        self.clock_ms = now_ms
        return self.accept(AdvanceTime())

    def next_funding_ms(self, symbol: str = BTC) -> int:
        return self.engine.venue.symbols[symbol].next_funding_ms

    def assert_balanced(self) -> None:
        totals = self.engine.venue.ledger.totals()
        assert all(amount == 0 for amount in totals.values()), totals

    # -- builders --------------------------------------------------------------------------

    def open(self, account: str, deposit: str = "10000") -> None:
        """Open ``account`` and fund its cross wallet with ``deposit`` USDT."""
        self.accept(OpenAccount(account))
        if deposit != "0":
            self.accept(Deposit(account, usdt(deposit)))

    def set_index(self, price: str, symbol: str = BTC) -> Outcome:
        return self.accept(SetIndexPrice(symbol, Price.of(price)))

    def set_mark(self, price: str, symbol: str = BTC) -> Outcome:
        """Feed a mark price (the venue's ``mark_source`` must be FEED)."""
        return self.accept(SetMarkPrice(symbol, Price.of(price)))

    def place(self, command: PlaceOrder) -> Outcome:
        """Place an order (the outcome may be a rejection: check it)."""
        return self.handle(command)

    def limit(
        self,
        account: str,
        side: Side,
        quantity: str,
        price: str,
        tif: TimeInForce = TimeInForce.GTC,
        *,
        reduce_only: bool = False,
        position_side: PositionSide = PositionSide.BOTH,
        client_id: str | None = None,
        stp: SelfTradePrevention = SelfTradePrevention.NONE,
    ) -> Outcome:
        """Place a LIMIT order that must be accepted."""
        command = order(
            account,
            side,
            OrderType.LIMIT,
            quantity,
            price,
            tif=tif,
            reduce_only=reduce_only,
            position_side=position_side,
            client_id=client_id,
            stp=stp,
        )
        return self.accept(command)

    def market_order(
        self,
        account: str,
        side: Side,
        quantity: str,
        *,
        reduce_only: bool = False,
        position_side: PositionSide = PositionSide.BOTH,
    ) -> Outcome:
        """Place a MARKET order that must be accepted."""
        command = order(
            account,
            side,
            OrderType.MARKET,
            quantity,
            reduce_only=reduce_only,
            position_side=position_side,
        )
        return self.accept(command)

    def trade(self, buyer: str, seller: str, quantity: str, price: str) -> Outcome:
        """Print one trade of ``quantity`` at ``price``: ``seller`` rests, ``buyer`` takes.

        Return the buyer's outcome: the trade and whatever it set off (triggers).
        """
        self.limit(seller, Side.SELL, quantity, price)
        taken = self.limit(buyer, Side.BUY, quantity, price)
        assert [(f.price, f.quantity) for f in fills(taken, buyer)][:1] == [
            (raw(price), raw(quantity))
        ]
        return taken

    def cancel(
        self, account: str, order_id: int | None = None, client_id: str | None = None
    ) -> Outcome:
        return self.handle(CancelOrder(account, BTC, order_id, client_id))

    def cancel_all(self, account: str) -> Outcome:
        return self.accept(CancelAllOrders(account, BTC))

    # -- readings --------------------------------------------------------------------------

    def wallet(self, ledger_account: str) -> int:
        """Return the USDT balance of a ledger account (a cross wallet, or ``a/BTCUSDT/BOTH``)."""
        return self.engine.venue.ledger.balance(ledger_account, USDT)

    def fees_collected(self) -> int:
        return self.wallet(FEES)

    def position(
        self, account: str, side: PositionSide = PositionSide.BOTH, symbol: str = BTC
    ) -> tuple[int, int]:
        """Return ``(signed quantity, entry price)`` raw; ``(0, 0)`` when flat."""
        held = self.engine.venue.accounts[account].find_position(symbol, side)
        if held is None:
            return 0, 0
        return held.quantity, held.entry_price()

    def order(self, account: str, order_id: int, symbol: str = BTC) -> Order | None:
        """Return an open order (None once it has left the book and the trigger list)."""
        venue = self.engine.venue
        return venue.order(venue.accounts[account], symbol, order_id)

    def open_order_ids(self, account: str, symbol: str = BTC) -> list[int]:
        orders = self.engine.venue.accounts[account].symbols.get(symbol)
        return sorted(orders.orders) if orders is not None else []

    def book(self, side: Side, symbol: str = BTC) -> list[tuple[int, int]]:
        """Return the ``(price, quantity)`` levels where orders of ``side`` rest, best first."""
        return self.engine.venue.symbols[symbol].book.side_of(side).depth()

    def mark(self, symbol: str = BTC) -> int:
        return self.engine.venue.symbols[symbol].mark_price

    def last(self, symbol: str = BTC) -> int:
        return self.engine.venue.symbols[symbol].last_price

    def available(self, account: str) -> int:
        venue = self.engine.venue
        return cross_figures(venue, venue.accounts[account], USDT).available

    def max_withdraw(self, account: str) -> int:
        venue = self.engine.venue
        return cross_figures(venue, venue.accounts[account], USDT).max_withdraw

    def positions_changed(self, outcome: Outcome, account: str) -> list[PositionChanged]:
        return [p for p in of_type(outcome, PositionChanged) if p.account == account]


def order(
    account: str,
    side: Side,
    order_type: OrderType,
    quantity: str | None = None,
    price: str | None = None,
    *,
    symbol: str = BTC,
    tif: TimeInForce | None = None,
    stop: str | None = None,
    reduce_only: bool = False,
    close_position: bool = False,
    position_side: PositionSide = PositionSide.BOTH,
    client_id: str | None = None,
    working_type: WorkingType = WorkingType.CONTRACT_PRICE,
    activation: str | None = None,
    callback: str | None = None,
    stp: SelfTradePrevention = SelfTradePrevention.NONE,
    price_protect: bool = False,
) -> PlaceOrder:
    """Return a PlaceOrder built from decimal strings (``callback`` in percent, like Binance).

    A LIMIT order without ``tif`` is GTC (build PlaceOrder itself to leave it out).
    """
    if order_type is OrderType.LIMIT and tif is None:
        tif = TimeInForce.GTC
    return PlaceOrder(
        account=account,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=Qty.of(quantity) if quantity is not None else None,
        price=Price.of(price) if price is not None else None,
        time_in_force=tif,
        stop_price=Price.of(stop) if stop is not None else None,
        reduce_only=reduce_only,
        close_position=close_position,
        position_side=position_side,
        client_order_id=client_id,
        working_type=working_type,
        activation_price=Price.of(activation) if activation is not None else None,
        callback_rate=Rate.of(callback) if callback is not None else None,
        self_trade_prevention=stp,
        price_protect=price_protect,
    )


def order_id(outcome: Outcome) -> int:
    """Return the id of the order ``outcome`` accepted."""
    accepted = of_type(outcome, OrderAccepted)
    assert len(accepted) == 1, accepted
    return accepted[0].order_id
