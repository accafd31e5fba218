"""The engine's live accounts: settings, positions, open orders and what those orders commit.

Wallet balances are not stored here: they are ledger balances (``Ledger``), so that every change
to them is an entry. A position keeps its exact cost ``sum(qty * price)`` (10**-16 units) so the
entry price and PnL never drift; the entry price is ``cost / quantity``.
"""

from __future__ import annotations

from typing import Final

from mypy_extensions import mypyc_attr

from liquidator.core.exchange.orders import Order, Side
from liquidator.core.margin.position import MarginType, PositionSide

DEFAULT_LEVERAGE: Final = 20  # Binance's default for a symbol never set
GENERATED_PREFIX: Final = "liq-"  # an order placed without a client order id gets liq-<orderId>


@mypyc_attr(acyclic=True)
class PositionState:
    """A position of one account in one symbol and position side."""

    __slots__ = ("cost", "ledger_key", "quantity", "side", "symbol")

    def __init__(self, account: str, symbol: str, side: PositionSide) -> None:
        self.symbol = symbol
        self.side = side
        self.quantity = 0  # signed raw: long > 0
        self.cost = 0  # signed, 10**-16 units
        self.ledger_key = f"{account}/{symbol}/{side._value_}"  # its isolated wallet

    def entry_price(self) -> int:
        """Return ``cost / quantity`` (raw), half-even; 0 when flat."""
        if self.quantity == 0:
            return 0
        quotient, remainder = divmod(self.cost, self.quantity)
        twice = 2 * remainder
        if abs(twice) > abs(self.quantity) or (
            abs(twice) == abs(self.quantity) and quotient % 2 == 1
        ):
            quotient += 1
        return quotient

    def to_state(self) -> list[object]:
        return [self.symbol, self.side.value, self.quantity, self.cost]


@mypyc_attr(acyclic=True)
class AccountSymbol:
    """One account in one symbol: its settings, its positions and its open orders.

    Everything the pre-trade check and the risk engine read about an account in a symbol sits
    in this one object, reached by one lookup (``AccountState.symbols``): the account's cross
    figures walk a few of these rather than four maps keyed by symbol, whose first touches on a
    random account of a large venue are cache misses.

    ``leverage`` is 0 and ``margin_type`` None until the account sets them (Binance's defaults
    apply: ``DEFAULT_LEVERAGE``, cross). ``both``/``long``/``short`` are the account's
    ``PositionState`` objects of the symbol (the only place they are kept), None until
    first used. ``buy_qty``/``buy_cost`` (and sell) sum the remaining quantity and notional
    (``qty * price``; the coin value for inverse contracts) of open orders that can open a
    position (not reduce-only, not hedge-mode closing orders).
    """

    __slots__ = (
        "algo",
        "both",
        "buy_cost",
        "buy_qty",
        "by_client",
        "closing",
        "leverage",
        "long",
        "margin_type",
        "orders",
        "sell_cost",
        "sell_qty",
        "short",
        "symbol",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.leverage = 0  # not set: DEFAULT_LEVERAGE
        self.margin_type: MarginType | None = None  # not set: cross
        self.both: PositionState | None = None
        self.long: PositionState | None = None
        self.short: PositionState | None = None
        self.orders: dict[int, Order] = {}
        self.by_client: dict[str, Order] = {}  # by client order id, but the generated ones
        self.algo = 0  # conditional orders not yet triggered
        self.closing = 0  # resting orders that may only close (reduce-only, hedge closes)
        self.buy_qty = 0
        self.buy_cost = 0
        self.sell_qty = 0
        self.sell_cost = 0

    def leverage_or_default(self) -> int:
        return self.leverage or DEFAULT_LEVERAGE

    def position(self, side: PositionSide) -> PositionState | None:
        """Return the position of ``side`` if the account ever held one."""
        if side is PositionSide.BOTH:
            return self.both
        return self.long if side is PositionSide.LONG else self.short

    def hold(self, position: PositionState) -> None:
        side = position.side
        if side is PositionSide.BOTH:
            self.both = position
        elif side is PositionSide.LONG:
            self.long = position
        else:
            self.short = position

    def put(self, order: Order, *, generated: bool = False) -> None:
        """Hold ``order`` as open, by id and, unless ``generated``, by client order id.

        A ``generated`` client order id is the engine's own ``liq-<orderId>``: found from the
        id itself (:meth:`by_client_id`), so most orders never touch ``by_client``.
        """
        self.orders[order.order_id] = order
        if not generated:
            self.by_client[order.client_order_id] = order

    def take(self, order: Order) -> None:
        """Forget the open ``order``."""
        del self.orders[order.order_id]
        by_client = self.by_client
        if by_client and by_client.get(order.client_order_id) is order:
            del by_client[order.client_order_id]

    def by_client_id(self, client_order_id: str) -> Order | None:
        """Return the open order with ``client_order_id``, generated (``liq-<orderId>``) or not."""
        found = self.by_client.get(client_order_id) if self.by_client else None
        if found is None and client_order_id.startswith(GENERATED_PREFIX):
            digits = client_order_id[len(GENERATED_PREFIX) :]
            if digits.isascii() and digits.isdigit():
                order = self.orders.get(int(digits))
                if order is not None and order.client_order_id == client_order_id:
                    return order
        return found

    def add_exposure(self, order: Order, quantity: int, cost16: int) -> None:
        """Count ``quantity`` of a resting ``order`` (negative to release it) and what it commits,
        ``cost16`` (``IntTiers.order_value16``: ``quantity * price`` for a linear contract)."""
        if order.side is Side.BUY:
            self.buy_qty += quantity
            self.buy_cost += cost16
        else:
            self.sell_qty += quantity
            self.sell_cost += cost16


@mypyc_attr(acyclic=True)
class AccountState:
    """One trading account."""

    __slots__ = ("account", "hedge", "is_system", "symbols")

    def __init__(self, account: str, *, is_system: bool = False) -> None:
        self.account = account
        self.is_system = is_system  # the venue's own market maker: no margin checks
        self.hedge = False
        # Each symbol the account ever touched, with its positions: the one place they live, so
        # what the risk engine charges margin for and what the API reports cannot diverge.
        self.symbols: dict[str, AccountSymbol] = {}

    def symbol(self, symbol: str) -> AccountSymbol:
        """Return the account's state in ``symbol`` (created on first use)."""
        held = self.symbols.get(symbol)
        if held is None:
            held = self.symbols[symbol] = AccountSymbol(symbol)
        return held

    def leverage_of(self, symbol: str) -> int:
        held = self.symbols.get(symbol)
        return held.leverage_or_default() if held is not None else DEFAULT_LEVERAGE

    def margin_type_of(self, symbol: str) -> MarginType:
        held = self.symbols.get(symbol)
        if held is None or held.margin_type is None:
            return MarginType.CROSS
        return held.margin_type

    def is_isolated(self, symbol: str) -> bool:
        held = self.symbols.get(symbol)
        return held is not None and held.margin_type is MarginType.ISOLATED

    def position(self, symbol: str, side: PositionSide) -> PositionState:
        """Return the position (created flat on first use)."""
        position = self.symbol(symbol).position(side)  # a str key: no tuple to build and hash
        if position is None:
            position = PositionState(self.account, symbol, side)
            self.hold(position)
        return position

    def find_position(self, symbol: str, side: PositionSide) -> PositionState | None:
        """Return the position of ``symbol`` and ``side`` if the account holds one (maybe flat)."""
        held = self.symbols.get(symbol)
        return held.position(side) if held is not None else None

    def held_positions(self) -> list[PositionState]:
        """Return every position the account holds, flat ones included, by symbol then side."""
        found = []
        for held in self.symbols.values():
            for position in (held.both, held.long, held.short):
                if position is not None:
                    found.append(position)
        return found

    def hold(self, position: PositionState) -> None:
        """Keep ``position`` (a new one, or one restored from a snapshot)."""
        self.symbol(position.symbol).hold(position)

    def forget_positions(self) -> None:
        """Drop every (flat) position object: a change of position mode starts from none."""
        if self.has_position():
            raise ValueError(f"{self.account} still holds a position")
        for held in self.symbols.values():
            held.both = held.long = held.short = None

    def has_open_orders(self, symbol: str | None = None) -> bool:
        if symbol is not None:
            held = self.symbols.get(symbol)
            return held is not None and bool(held.orders)
        return any(o.orders for o in self.symbols.values())

    def has_position(self, symbol: str | None = None) -> bool:
        return any(p.quantity != 0 for p in self.held_positions() if symbol in (None, p.symbol))

    def open_positions(self) -> list[PositionState]:
        return [p for p in self.held_positions() if p.quantity != 0]

    def to_state(self) -> dict[str, object]:
        return {
            "account": self.account,
            "is_system": self.is_system,
            "hedge": self.hedge,
            "leverage": sorted((s, a.leverage) for s, a in self.symbols.items() if a.leverage),
            "margin_type": sorted(
                (s, a.margin_type.value)
                for s, a in self.symbols.items()
                if a.margin_type is not None
            ),
            "positions": [
                p.to_state()
                for p in sorted(self.held_positions(), key=lambda p: (p.symbol, p.side.value))
                if p.quantity != 0
            ],
            "orders": sorted(o for held in self.symbols.values() for o in held.orders),
        }
