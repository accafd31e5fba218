"""Events: what happened, in the past tense. Raw ints at the fixed scale (10**-8).

Events are never changed once made: every one is a frozen dataclass, so assigning or deleting a
field raises ``FrozenInstanceError`` (compiled or not) and mypy --strict reports it as a write
to a read-only property. The rare ones take the dataclass's own ``__init__``; the ones every
order makes (accepted, triggered, traded, closed, trades, positions, prices, margin calls; and
``LedgerPosted``) spell theirs out, storing each field with ``object.__setattr__(self, "name",
value)``. The compiled core (mypyc) turns that call, naming one of the class's own attributes
by a literal, into a plain store into the native object: the same C as ``self.name = value``,
a native constructor some thirty times faster than the dataclass's generated one (Python code
calling ``object.__setattr__`` per field, which cut the compiled matching rate by a quarter).
As plain Python the call is what the generated ``__init__`` does (benchmarks in
docs/performance.md, "Frozen hot events").

Money movements are :class:`~liquidator.core.exchange.ledger.LedgerPosted` events; the rest describe
orders, trades, positions, settings and prices. Projections (order history, income, the API's
read models) are built from these alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mypy_extensions import mypyc_attr

from liquidator.core.exchange.ledger import LedgerPosted
from liquidator.core.exchange.orders import ExpiryReason
from liquidator.core.margin.position import MarginType, PositionSide


class RejectReason(Enum):
    """Stable reasons a command is refused; the API maps them to Binance codes."""

    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
    INVALID_ACCOUNT = "INVALID_ACCOUNT"
    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    UNKNOWN_ASSET = "UNKNOWN_ASSET"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    INVALID_LEVERAGE = "INVALID_LEVERAGE"
    MAX_NOTIONAL_EXCEEDED = "MAX_NOTIONAL_EXCEEDED"
    NO_NEED_TO_CHANGE_MARGIN_TYPE = "NO_NEED_TO_CHANGE_MARGIN_TYPE"
    MARGIN_TYPE_OPEN_ORDERS = "MARGIN_TYPE_OPEN_ORDERS"
    MARGIN_TYPE_OPEN_POSITION = "MARGIN_TYPE_OPEN_POSITION"
    NO_NEED_TO_CHANGE_POSITION_MODE = "NO_NEED_TO_CHANGE_POSITION_MODE"
    POSITION_MODE_OPEN_ORDERS = "POSITION_MODE_OPEN_ORDERS"
    POSITION_MODE_OPEN_POSITION = "POSITION_MODE_OPEN_POSITION"
    NOT_ISOLATED = "NOT_ISOLATED"
    NO_POSITION = "NO_POSITION"
    ISOLATED_BALANCE_INSUFFICIENT = "ISOLATED_BALANCE_INSUFFICIENT"
    MISSING_PARAMETER = "MISSING_PARAMETER"
    UNNEEDED_PARAMETER = "UNNEEDED_PARAMETER"
    INVALID_TIME_IN_FORCE = "INVALID_TIME_IN_FORCE"
    INVALID_PRICE = "INVALID_PRICE"
    PRICE_OFF_TICK = "PRICE_OFF_TICK"
    QUANTITY_OFF_STEP = "QUANTITY_OFF_STEP"
    QUANTITY_OUT_OF_RANGE = "QUANTITY_OUT_OF_RANGE"
    NOTIONAL_TOO_SMALL = "NOTIONAL_TOO_SMALL"
    PRICE_ABOVE_LIMIT = "PRICE_ABOVE_LIMIT"
    PRICE_BELOW_LIMIT = "PRICE_BELOW_LIMIT"
    POSITION_SIDE_MISMATCH = "POSITION_SIDE_MISMATCH"
    REDUCE_ONLY_REJECTED = "REDUCE_ONLY_REJECTED"
    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"
    WOULD_TRIGGER_IMMEDIATELY = "WOULD_TRIGGER_IMMEDIATELY"
    POST_ONLY_WOULD_TAKE = "POST_ONLY_WOULD_TAKE"
    FOK_NOT_FILLED = "FOK_NOT_FILLED"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    INVALID_CLIENT_ORDER_ID = "INVALID_CLIENT_ORDER_ID"
    TOO_MANY_OPEN_ORDERS = "TOO_MANY_OPEN_ORDERS"
    TOO_MANY_ALGO_ORDERS = "TOO_MANY_ALGO_ORDERS"
    UNKNOWN_ORDER = "UNKNOWN_ORDER"
    NO_MARK_PRICE = "NO_MARK_PRICE"
    INVALID_CALLBACK_RATE = "INVALID_CALLBACK_RATE"
    PRICE_SOURCE_IS_COMPUTED = "PRICE_SOURCE_IS_COMPUTED"
    INVALID_RATE = "INVALID_RATE"
    INVALID_ORDER_TYPE = "INVALID_ORDER_TYPE"


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused command: nothing in state or ledger changed."""

    reason: RejectReason
    message: str


class Rejected(Exception):  # noqa: N818 - a business outcome carried out of deep validation
    """Raised by validation before any mutation; ``Engine.handle`` turns it into a Rejection."""

    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.rejection = Rejection(reason, message)


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class AccountOpened:
    account: str
    ts_ms: int

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "ts_ms", ts_ms)


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class LeverageChanged:
    account: str
    symbol: str
    leverage: int
    max_notional: int
    ts_ms: int

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        symbol: str,
        leverage: int,
        max_notional: int,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "leverage", leverage)
        object.__setattr__(self, "max_notional", max_notional)
        object.__setattr__(self, "ts_ms", ts_ms)


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class MarginTypeChanged:
    account: str
    symbol: str
    margin_type: MarginType
    ts_ms: int

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self,
        account: str,
        symbol: str,
        margin_type: MarginType,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "margin_type", margin_type)
        object.__setattr__(self, "ts_ms", ts_ms)


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class PositionModeChanged:
    account: str
    hedge: bool
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class OrderAccepted:
    """A new order entered the engine (``fields`` is :meth:`Order.to_state`)."""

    account: str
    symbol: str
    order_id: int
    fields: tuple[object, ...]
    ts_ms: int

    def __init__(
        self,
        account: str,
        symbol: str,
        order_id: int,
        fields: tuple[object, ...],
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "order_id", order_id)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "ts_ms", ts_ms)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "OrderAccepted",
            self.account,
            self.symbol,
            self.order_id,
            self.fields,
            self.ts_ms,
        ]


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class OrderTriggered:
    """A conditional order's trigger fired; it now works as a LIMIT or MARKET order."""

    account: str
    symbol: str
    order_id: int
    trigger_price: int
    ts_ms: int

    def __init__(
        self,
        account: str,
        symbol: str,
        order_id: int,
        trigger_price: int,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "order_id", order_id)
        object.__setattr__(self, "trigger_price", trigger_price)
        object.__setattr__(self, "ts_ms", ts_ms)


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class OrderTraded:
    """One side of one fill: the order, the quantity, the price and the money it moved."""

    account: str
    symbol: str
    order_id: int
    trade_id: int
    side: str
    position_side: PositionSide
    price: int
    quantity: int
    commission: int
    commission_asset: str
    realized_pnl: int
    maker: bool
    executed: int
    cum_quote: int
    ts_ms: int

    def __init__(
        self,
        account: str,
        symbol: str,
        order_id: int,
        trade_id: int,
        side: str,
        position_side: PositionSide,
        price: int,
        quantity: int,
        commission: int,
        commission_asset: str,
        realized_pnl: int,
        maker: bool,
        executed: int,
        cum_quote: int,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "order_id", order_id)
        object.__setattr__(self, "trade_id", trade_id)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "position_side", position_side)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "commission", commission)
        object.__setattr__(self, "commission_asset", commission_asset)
        object.__setattr__(self, "realized_pnl", realized_pnl)
        object.__setattr__(self, "maker", maker)
        object.__setattr__(self, "executed", executed)
        object.__setattr__(self, "cum_quote", cum_quote)
        object.__setattr__(self, "ts_ms", ts_ms)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "OrderTraded",
            self.account,
            self.symbol,
            self.order_id,
            self.trade_id,
            self.side,
            self.position_side._value_,
            self.price,
            self.quantity,
            self.commission,
            self.commission_asset,
            self.realized_pnl,
            self.maker,
            self.executed,
            self.cum_quote,
            self.ts_ms,
        ]


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class OrderAmended:
    """A resting LIMIT order's price and quantity changed; it keeps its id and waits at the
    back of its new price's queue (``fields`` is :meth:`Order.to_state` after the change;
    ``previous_price`` the price it left)."""

    account: str
    symbol: str
    order_id: int
    previous_price: int
    fields: tuple[object, ...]
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class OrderClosed:
    """An order left the book or the trigger list: canceled, expired or filled."""

    account: str
    symbol: str
    order_id: int
    status: str
    expiry_reason: ExpiryReason
    ts_ms: int

    def __init__(
        self,
        account: str,
        symbol: str,
        order_id: int,
        status: str,
        expiry_reason: ExpiryReason,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "order_id", order_id)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "expiry_reason", expiry_reason)
        object.__setattr__(self, "ts_ms", ts_ms)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "OrderClosed",
            self.account,
            self.symbol,
            self.order_id,
            self.status,
            int(self.expiry_reason),
            self.ts_ms,
        ]


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class TradeExecuted:
    """The public print of a fill (trades, aggTrades and klines are built from it).

    ``kind`` is Binance's trade-stream ``X``: MARKET for the book, INSURANCE_FUND for a fund
    takeover, ADL for auto-deleveraging (these two move no last price).
    """

    symbol: str
    trade_id: int
    price: int
    quantity: int
    buyer_is_maker: bool
    ts_ms: int
    kind: str = "MARKET"

    def __init__(
        self,
        symbol: str,
        trade_id: int,
        price: int,
        quantity: int,
        buyer_is_maker: bool,
        ts_ms: int,
        kind: str = "MARKET",
    ) -> None:
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "trade_id", trade_id)
        object.__setattr__(self, "price", price)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "buyer_is_maker", buyer_is_maker)
        object.__setattr__(self, "ts_ms", ts_ms)
        object.__setattr__(self, "kind", kind)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "TradeExecuted",
            self.symbol,
            self.trade_id,
            self.price,
            self.quantity,
            self.buyer_is_maker,
            self.ts_ms,
            self.kind,
        ]


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class PositionChanged:
    """A position after a fill, a funding payment or a margin change.

    ``cost`` is the exact signed ``sum(qty * price)`` of the open quantity in 10**-16 units; the
    entry price is ``cost / quantity``. ``isolated_wallet`` is 0 for cross positions.
    """

    account: str
    symbol: str
    position_side: PositionSide
    quantity: int
    cost: int
    isolated_wallet: int
    margin_type: MarginType
    ts_ms: int

    def __init__(
        self,
        account: str,
        symbol: str,
        position_side: PositionSide,
        quantity: int,
        cost: int,
        isolated_wallet: int,
        margin_type: MarginType,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "position_side", position_side)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "isolated_wallet", isolated_wallet)
        object.__setattr__(self, "margin_type", margin_type)
        object.__setattr__(self, "ts_ms", ts_ms)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "PositionChanged",
            self.account,
            self.symbol,
            self.position_side._value_,
            self.quantity,
            self.cost,
            self.isolated_wallet,
            self.margin_type._value_,
            self.ts_ms,
        ]


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class PricesUpdated:
    """The index, mark and last price of a symbol after a change."""

    symbol: str
    index_price: int
    mark_price: int
    last_price: int
    funding_rate: int
    next_funding_ms: int
    ts_ms: int

    def __init__(
        self,
        symbol: str,
        index_price: int,
        mark_price: int,
        last_price: int,
        funding_rate: int,
        next_funding_ms: int,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "index_price", index_price)
        object.__setattr__(self, "mark_price", mark_price)
        object.__setattr__(self, "last_price", last_price)
        object.__setattr__(self, "funding_rate", funding_rate)
        object.__setattr__(self, "next_funding_ms", next_funding_ms)
        object.__setattr__(self, "ts_ms", ts_ms)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "PricesUpdated",
            self.symbol,
            self.index_price,
            self.mark_price,
            self.last_price,
            self.funding_rate,
            self.next_funding_ms,
            self.ts_ms,
        ]


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class PremiumSampled:
    """A premium index sample was taken (every ``sample_interval_ms`` with a two-sided book).

    ``premium_index`` is ``premium_index_raw``: a rate at 10**-8, signed, half-even; the
    funding interval's average of these makes the funding rate.
    """

    symbol: str
    premium_index: int
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class FundingSettled:
    """A funding settlement: every open position paid or received ``notional * rate``."""

    symbol: str
    funding_rate: int
    mark_price: int
    funding_ms: int
    positions: int
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class MarginCallIssued:
    """A margin unit's margin ratio crossed the margin-call threshold (Binance MARGIN_CALL).

    ``wallet`` names the unit (``alice``: cross in ``asset``; ``alice/BTCUSDT/LONG``: isolated).
    """

    account: str
    wallet: str
    asset: str
    margin_balance: int
    maintenance_margin: int
    ts_ms: int

    def __init__(
        self,
        account: str,
        wallet: str,
        asset: str,
        margin_balance: int,
        maintenance_margin: int,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "wallet", wallet)
        object.__setattr__(self, "asset", asset)
        object.__setattr__(self, "margin_balance", margin_balance)
        object.__setattr__(self, "maintenance_margin", maintenance_margin)
        object.__setattr__(self, "ts_ms", ts_ms)


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class LiquidationTriggered:
    """A margin unit reached 100% margin ratio at the mark: its liquidation starts."""

    account: str
    wallet: str
    asset: str
    margin_balance: int
    maintenance_margin: int
    marks: tuple[tuple[str, int], ...]  # (symbol, mark) of the unit's positions
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class PositionLiquidated:
    """One liquidation order finished: what the book filled, what the fund and ADL took.

    ``order_id`` is the LIQUIDATION order (client id ``autoclose-...``); prices raw; the
    clearance fee went to the insurance fund. ``partial`` marks a reduction that kept the
    rest of the position open.
    """

    account: str
    symbol: str
    position_side: PositionSide
    order_id: int
    side: str
    quantity: int
    filled: int
    cum_quote: int  # filled qty x price, 10**-16
    bankruptcy_price: int
    clearance_fee: int
    taken_over: int
    deleveraged: int
    partial: bool
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class AutoDeleveraged:
    """A position was closed against a bankrupt one at its bankruptcy price, without fee."""

    account: str
    symbol: str
    position_side: PositionSide
    order_id: int
    side: str
    quantity: int
    price: int
    counterparty: str
    ts_ms: int


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True)
class AdlQuantilesUpdated:
    """The ADL quantiles were recomputed (every ``adl_interval_ms``); held in the state."""

    symbol: str
    positions: int
    ts_ms: int


Event = (
    AccountOpened
    | LeverageChanged
    | MarginTypeChanged
    | PositionModeChanged
    | OrderAccepted
    | OrderTriggered
    | OrderTraded
    | OrderAmended
    | OrderClosed
    | TradeExecuted
    | PositionChanged
    | PricesUpdated
    | PremiumSampled
    | FundingSettled
    | LedgerPosted
    | MarginCallIssued
    | LiquidationTriggered
    | PositionLiquidated
    | AutoDeleveraged
    | AdlQuantilesUpdated
)
