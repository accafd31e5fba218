"""Commands: what the outside world asks the engine to do. Frozen, validated for type at the edge.

The engine validates every business rule and answers with events or a rejection; a command never
carries a timestamp of its own: the time is the second argument of ``Engine.handle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from liquidator.core.exchange.orders import (
    OrderType,
    SelfTradePrevention,
    Side,
    TimeInForce,
    WorkingType,
)
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty, Rate


@dataclass(frozen=True, slots=True, init=False)
class OpenAccount:
    """Open an account. ``system``: one of the venue's own (named ``@...``, like the market
    maker): no margin check, no commission, never liquidated nor ranked for ADL; what the
    venue runs beside its users (the background flow), never an account a key may act for."""

    account: str
    system: bool = False

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        system: bool = False,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "system", system)


@dataclass(frozen=True, slots=True, init=False)
class Deposit:
    account: str
    amount: Amount

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        amount: Amount,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True, slots=True)
class Withdraw:
    account: str
    amount: Amount


@dataclass(frozen=True, slots=True, init=False)
class SetLeverage:
    account: str
    symbol: str
    leverage: int

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        symbol: str,
        leverage: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "leverage", leverage)


@dataclass(frozen=True, slots=True, init=False)
class SetMarginType:
    account: str
    symbol: str
    margin_type: MarginType

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        symbol: str,
        margin_type: MarginType,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "margin_type", margin_type)


@dataclass(frozen=True, slots=True)
class SetPositionMode:
    account: str
    hedge: bool


@dataclass(frozen=True, slots=True)
class ModifyIsolatedMargin:
    """Add margin to (``add``) or remove it from an isolated position (Binance positionMargin)."""

    account: str
    symbol: str
    position_side: PositionSide
    amount: Amount
    add: bool


@dataclass(frozen=True, slots=True, init=False)
class PlaceOrder:
    """A new order with Binance's ``POST /fapi/v1/order`` parameters.

    ``callback_rate`` is in percent like Binance's (``1`` = 1%).
    """

    account: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: Qty | None = None
    price: Price | None = None
    time_in_force: TimeInForce | None = None
    stop_price: Price | None = None
    reduce_only: bool = False
    close_position: bool = False
    position_side: PositionSide = PositionSide.BOTH
    client_order_id: str | None = None
    working_type: WorkingType = WorkingType.CONTRACT_PRICE
    activation_price: Price | None = None
    callback_rate: Rate | None = None
    self_trade_prevention: SelfTradePrevention = SelfTradePrevention.NONE
    price_protect: bool = False

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        symbol: str,
        side: Side,
        order_type: OrderType,
        quantity: Qty | None = None,
        price: Price | None = None,
        time_in_force: TimeInForce | None = None,
        stop_price: Price | None = None,
        reduce_only: bool = False,
        close_position: bool = False,
        position_side: PositionSide = PositionSide.BOTH,
        client_order_id: str | None = None,
        working_type: WorkingType = WorkingType.CONTRACT_PRICE,
        activation_price: Price | None = None,
        callback_rate: Rate | None = None,
        self_trade_prevention: SelfTradePrevention = SelfTradePrevention.NONE,
        price_protect: bool = False,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "order_type", order_type)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "time_in_force", time_in_force)
        object.__setattr__(self, "stop_price", stop_price)
        object.__setattr__(self, "reduce_only", reduce_only)
        object.__setattr__(self, "close_position", close_position)
        object.__setattr__(self, "position_side", position_side)
        object.__setattr__(self, "client_order_id", client_order_id)
        object.__setattr__(self, "working_type", working_type)
        object.__setattr__(self, "activation_price", activation_price)
        object.__setattr__(self, "callback_rate", callback_rate)
        object.__setattr__(self, "self_trade_prevention", self_trade_prevention)
        object.__setattr__(self, "price_protect", price_protect)


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel one order by ``order_id`` or by ``client_order_id``."""

    account: str
    symbol: str
    order_id: int | None = None
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class AmendOrder:
    """Change a resting LIMIT order's price and quantity (Binance's ``PUT /fapi/v1/order``).

    ``quantity`` is the order's whole quantity, its executed part included. The order keeps its
    id and joins the back of the queue at its new price (Binance: "reordered in the match
    queue"); a new quantity at or below what it executed cancels it."""

    account: str
    symbol: str
    price: Price
    quantity: Qty
    order_id: int | None = None
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class CancelAllOrders:
    account: str
    symbol: str


@dataclass(frozen=True, slots=True)
class SetIndexPrice:
    symbol: str
    price: Price


@dataclass(frozen=True, slots=True)
class SetMarkPrice:
    """A mark price from a feed; only accepted for symbols whose mark comes from a feed."""

    symbol: str
    price: Price


@dataclass(frozen=True, slots=True)
class SetFundingRate:
    """A funding rate from a feed, used at the next settlement instead of the computed one."""

    symbol: str
    rate: Rate


@dataclass(frozen=True, slots=True)
class AdvanceTime:
    """Let time pass (funding settlements, mark and premium samples happen as it does)."""


Command = (
    OpenAccount
    | Deposit
    | Withdraw
    | SetLeverage
    | SetMarginType
    | SetPositionMode
    | ModifyIsolatedMargin
    | PlaceOrder
    | CancelOrder
    | AmendOrder
    | CancelAllOrders
    | SetIndexPrice
    | SetMarkPrice
    | SetFundingRate
    | AdvanceTime
)

#: The type of each optional command field, by name. A compiled (mypyc) class keeps an optional
#: field's annotation only as a bare ``type``; the journal codec reads these instead
#: (tests/unit/test_codec.py checks them against the declarations).
OPTIONAL_FIELD_TYPES: Final[dict[str, type]] = {
    "quantity": Qty,
    "price": Price,
    "time_in_force": TimeInForce,
    "stop_price": Price,
    "client_order_id": str,
    "activation_price": Price,
    "callback_rate": Rate,
    "order_id": int,
}

COMMAND_TYPES: Final[tuple[type, ...]] = (
    OpenAccount,
    Deposit,
    Withdraw,
    SetLeverage,
    SetMarginType,
    SetPositionMode,
    ModifyIsolatedMargin,
    PlaceOrder,
    CancelOrder,
    AmendOrder,
    CancelAllOrders,
    SetIndexPrice,
    SetMarkPrice,
    SetFundingRate,
    AdvanceTime,
)
