"""Orders as Binance USD-M futures defines them: types, sides, time in force and their life cycle.

An :class:`Order` is a mutable record owned by the engine (the only mutator); every change to it
is reported as an event. Quantities and prices are raw ints at the fixed scale (10**-8);
``cum_quote`` is the exact sum of ``qty * price`` over fills, in 10**-16 units.
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Final, cast

from mypy_extensions import mypyc_attr

from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.scaled import SCALE


class Side(Enum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy (adds to a long), -1 for a sell."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(Enum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    STOP = "STOP"
    TAKE_PROFIT = "TAKE_PROFIT"
    STOP_MARKET = "STOP_MARKET"
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"
    TRAILING_STOP_MARKET = "TRAILING_STOP_MARKET"
    LIQUIDATION = "LIQUIDATION"  # the venue's: a liquidated position's IOC at its bankruptcy price
    ADL = "ADL"  # the venue's: a position closed by auto-deleveraging (Binance's adl_autoclose)
    INSURANCE_FUND = "INSURANCE_FUND"  # the venue's: the fund's side of a takeover or unwind

    @property
    def is_venue_only(self) -> bool:
        """Tell whether only the venue places orders of this type (never a user)."""
        return is_venue_only(self)

    @property
    def is_conditional(self) -> bool:
        """Tell whether the order waits for a trigger price (Binance's algo orders)."""
        return is_conditional(self)

    @property
    def becomes(self) -> OrderType:
        """Return the type a triggered conditional order is placed as."""
        if self in (OrderType.STOP, OrderType.TAKE_PROFIT):
            return OrderType.LIMIT
        if self.is_conditional:
            return OrderType.MARKET
        return self


_VENUE_ONLY: Final = frozenset({OrderType.LIQUIDATION, OrderType.ADL, OrderType.INSURANCE_FUND})

_CONDITIONAL: Final = frozenset(
    {
        OrderType.STOP,
        OrderType.TAKE_PROFIT,
        OrderType.STOP_MARKET,
        OrderType.TAKE_PROFIT_MARKET,
        OrderType.TRAILING_STOP_MARKET,
    }
)


# The hot paths call these module functions, natively: a property of an Enum is reached
# through Python's descriptor protocol, and hashing a member runs Python code.
def is_venue_only(kind: OrderType) -> bool:
    """Tell whether only the venue places orders of ``kind`` (never a user)."""
    if kind is OrderType.LIMIT or kind is OrderType.MARKET:
        return False
    return kind in _VENUE_ONLY


def is_conditional(kind: OrderType) -> bool:
    """Tell whether orders of ``kind`` wait for a trigger price (Binance's algo orders)."""
    if kind is OrderType.LIMIT or kind is OrderType.MARKET:
        return False
    return kind in _CONDITIONAL


class TimeInForce(Enum):
    GTC = "GTC"  # good till cancel
    IOC = "IOC"  # immediate or cancel
    FOK = "FOK"  # fill or kill
    GTX = "GTX"  # good till crossing: post-only


class WorkingType(Enum):
    """Which price a conditional order watches."""

    MARK_PRICE = "MARK_PRICE"
    CONTRACT_PRICE = "CONTRACT_PRICE"


class OrderStatus(Enum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class SelfTradePrevention(Enum):
    """What happens when a taker would trade with its own account's resting order."""

    NONE = "NONE"
    EXPIRE_TAKER = "EXPIRE_TAKER"
    EXPIRE_MAKER = "EXPIRE_MAKER"
    EXPIRE_BOTH = "EXPIRE_BOTH"


class ExpiryReason(IntEnum):
    """Binance's ``er`` field of ORDER_TRADE_UPDATE."""

    NONE = 0
    SELF_TRADE = 1
    IOC_UNFILLED = 2
    IOC_SELF_TRADE = 3
    REDUCE_ONLY = 4
    LIQUIDATION = 5
    GTE_UNSATISFIED = 6
    DELISTED = 7
    STOP_TRIGGERED = 8
    MARKET_UNFILLED = 9
    FOK_UNFILLED = 10
    POST_ONLY = 11


EnumTable = tuple[tuple[Enum, ...], tuple[str, ...]]  # an enum's members, and their values


def _table(kind: type[Enum]) -> EnumTable:
    members = tuple(kind)
    return members, tuple(str(member._value_) for member in members)


# Each enum's members and values, in definition order: what ``value`` scans.
_SIDE: Final = _table(Side)
_ORDER_TYPE: Final = _table(OrderType)
_TIF: Final = _table(TimeInForce)
_WORKING: Final = _table(WorkingType)
_STATUS: Final = _table(OrderStatus)
_STP: Final = _table(SelfTradePrevention)
_POSITION_SIDE: Final = _table(PositionSide)
_TABLES: Final[dict[type, EnumTable]] = {
    Side: _SIDE,
    OrderType: _ORDER_TYPE,
    TimeInForce: _TIF,
    WorkingType: _WORKING,
    OrderStatus: _STATUS,
    SelfTradePrevention: _STP,
    PositionSide: _POSITION_SIDE,
    MarginType: _table(MarginType),
}
_EXPIRY: Final[tuple[ExpiryReason, ...]] = tuple(ExpiryReason)  # by value: 0, 1, 2...
if [int(reason) for reason in _EXPIRY] != list(range(len(_EXPIRY))):
    raise RuntimeError("ExpiryReason values must be 0, 1, 2... in definition order")


def value(member: Enum) -> str:
    """Return the value of a member of an order or position enum, fast.

    ``member._value_`` is a generic attribute lookup (the member's instance dictionary), and
    hashing a member runs Python code; a type hashes in C, and a member is found by identity
    in a scan of a few. Every accepted order pays it nine times (:meth:`Order.fields`).
    """
    return _text(_TABLES[type(member)], member)


def _text(table: EnumTable, member: Enum) -> str:
    """Return ``member``'s value from its enum's ``table`` (an identity scan)."""
    members = table[0]
    for index in range(len(members)):
        if members[index] is member:
            return table[1][index]
    raise KeyError(member)  # not a member of that enum


def _member(table: EnumTable, text: object) -> Enum:
    """Return the member of ``table``'s enum whose value is ``text`` (``Kind(text)``, without
    Enum's Python-level call: an order's state is read back for every accepted order)."""
    members, values = table
    for index in range(len(values)):
        if values[index] == text or members[index] is text:  # as Kind(member) is member
            return members[index]
    raise ValueError(f"{text!r} is not a valid value in an order state")


def _expiry_of(code: int) -> ExpiryReason:
    """Return ``ExpiryReason(code)`` (a scan-free index: the values are 0, 1, 2...)."""
    if not 0 <= code < len(_EXPIRY):
        raise ValueError(f"{code!r} is not a valid ExpiryReason")
    return _EXPIRY[code]


def _expiry_code(reason: ExpiryReason) -> int:
    """Return ``int(reason)`` without calling ``int`` on an ``IntEnum`` (a generic call)."""
    for code in range(len(_EXPIRY)):
        if _EXPIRY[code] is reason:
            return code
    raise KeyError(reason)


@mypyc_attr(acyclic=True)
class Order:
    """One order of one account, from acceptance to its final status."""

    __slots__ = (
        "account",
        "activated",
        "activation_price",
        "callback_rate",
        "client_order_id",
        "close_position",
        "created_ms",
        "cum_quote",
        "executed",
        "expiry_reason",
        "order_id",
        "orig_type",
        "position_side",
        "price",
        "price_protect",
        "quantity",
        "reduce_only",
        "side",
        "status",
        "stop_price",
        "stp",
        "symbol",
        "time_in_force",
        "trail_extreme",
        "type",
        "updated_ms",
        "working_type",
    )

    def __init__(
        self,
        *,
        order_id: int,
        account: str,
        symbol: str,
        client_order_id: str,
        side: Side,
        position_side: PositionSide,
        order_type: OrderType,
        time_in_force: TimeInForce,
        quantity: int,
        price: int,
        stop_price: int = 0,
        working_type: WorkingType = WorkingType.CONTRACT_PRICE,
        reduce_only: bool = False,
        close_position: bool = False,
        activation_price: int = 0,
        callback_rate: int = 0,
        stp: SelfTradePrevention = SelfTradePrevention.NONE,
        price_protect: bool = False,
        created_ms: int = 0,
    ) -> None:
        self.order_id = order_id
        self.account = account
        self.symbol = symbol
        self.client_order_id = client_order_id
        self.side = side
        self.position_side = position_side
        self.type = order_type
        self.orig_type = order_type
        self.time_in_force = time_in_force
        self.quantity = quantity
        self.price = price
        self.stop_price = stop_price
        self.working_type = working_type
        self.reduce_only = reduce_only
        self.close_position = close_position
        self.activation_price = activation_price
        self.callback_rate = callback_rate
        self.stp = stp
        self.price_protect = price_protect
        self.status = OrderStatus.NEW
        self.executed = 0
        self.cum_quote = 0
        self.expiry_reason = ExpiryReason.NONE
        self.activated = False
        self.trail_extreme = 0
        self.created_ms = created_ms
        self.updated_ms = created_ms

    @property
    def remaining(self) -> int:
        return self.quantity - self.executed

    @property
    def average_price(self) -> int:
        """Return the average fill price (raw), half-even; 0 before any fill."""
        if self.executed == 0:
            return 0
        quotient, remainder = divmod(self.cum_quote, self.executed)
        twice = 2 * remainder
        if twice > self.executed or (twice == self.executed and quotient % 2 == 1):
            quotient += 1
        return quotient

    @property
    def cum_quote_raw(self) -> int:
        """Return the filled notional at the fixed scale, rounded half-even for display."""
        quotient, remainder = divmod(self.cum_quote, SCALE)
        if 2 * remainder > SCALE or (2 * remainder == SCALE and quotient % 2 == 1):
            quotient += 1
        return quotient

    @property
    def is_opening(self) -> bool:
        """Tell whether filling this order can open or add to a position (needs margin)."""
        if self.reduce_only or self.close_position:
            return False
        if self.position_side is PositionSide.LONG:
            return self.side is Side.BUY
        if self.position_side is PositionSide.SHORT:
            return self.side is Side.SELL
        return True

    def fields(self) -> tuple[object, ...]:
        """Return every field as JSON-ready values (``OrderAccepted.fields``, snapshots).

        Enums by their tables (``_text``): ``.value`` is a Python-level descriptor, and every
        accepted order is described this way.
        """
        return (
            self.order_id,
            self.account,
            self.symbol,
            self.client_order_id,
            _text(_SIDE, self.side),
            _text(_POSITION_SIDE, self.position_side),
            _text(_ORDER_TYPE, self.type),
            _text(_ORDER_TYPE, self.orig_type),
            _text(_TIF, self.time_in_force),
            self.quantity,
            self.price,
            self.stop_price,
            _text(_WORKING, self.working_type),
            self.reduce_only,
            self.close_position,
            self.activation_price,
            self.callback_rate,
            _text(_STP, self.stp),
            self.price_protect,
            _text(_STATUS, self.status),
            self.executed,
            self.cum_quote,
            _expiry_code(self.expiry_reason),
            self.activated,
            self.trail_extreme,
            self.created_ms,
            self.updated_ms,
        )

    def to_state(self) -> list[object]:
        """Return every field as JSON-ready values, for snapshots and the state hash."""
        return list(self.fields())

    @classmethod
    def from_state(cls, state: list[object]) -> Order:
        """Rebuild an order from :meth:`to_state`."""
        (oid, account, symbol, cid, side, pside, otype, orig, tif, qty, price, stop, wt) = state[
            :13
        ]
        # Order(...), not cls(...): the compiled constructor is called directly; through the
        # class object it is a generic call that parses keywords (half the cost of a rebuild).
        order = Order(
            order_id=_int(oid),
            account=str(account),
            symbol=str(symbol),
            client_order_id=str(cid),
            side=cast(Side, _member(_SIDE, side)),
            position_side=cast(PositionSide, _member(_POSITION_SIDE, pside)),
            order_type=cast(OrderType, _member(_ORDER_TYPE, otype)),
            time_in_force=cast(TimeInForce, _member(_TIF, tif)),
            quantity=_int(qty),
            price=_int(price),
            stop_price=_int(stop),
            working_type=cast(WorkingType, _member(_WORKING, wt)),
        )
        order.orig_type = cast(OrderType, _member(_ORDER_TYPE, orig))
        (ro, cp, act, cb, stp, protect, status, executed, cum, er, activated, extreme) = state[
            13:25
        ]
        order.reduce_only, order.close_position = bool(ro), bool(cp)
        order.activation_price, order.callback_rate = _int(act), _int(cb)
        order.stp = cast(SelfTradePrevention, _member(_STP, stp))
        order.price_protect = bool(protect)
        order.status, order.executed, order.cum_quote = (
            cast(OrderStatus, _member(_STATUS, status)),
            _int(executed),
            _int(cum),
        )
        order.expiry_reason = _expiry_of(_int(er))
        order.activated, order.trail_extreme = bool(activated), _int(extreme)
        order.created_ms, order.updated_ms = _int(state[25]), _int(state[26])
        return order


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an int in an order state, got {value!r}")
    return value
