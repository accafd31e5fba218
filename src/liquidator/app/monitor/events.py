"""What the monitor learns: the start state from REST, then the streams' events, as values.

Adapters turn Binance's JSON into these (exact fixed-point numbers, core positions); the
monitor's book applies them. Times are epoch milliseconds (``ts_ms``) as Binance stamps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from liquidator.core.contracts.market import Market
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty, Rate

PositionKey = tuple[str, PositionSide]  # (symbol, positionSide) as Binance keys a position


@dataclass(frozen=True, slots=True)
class Funding:
    """A symbol's current funding rate and the time of its next settlement."""

    rate: Rate | None
    next_ms: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The account as REST shows it at one moment.

    ``positions`` carry their marks; ``reported`` is Binance's own ``liquidationPrice`` of each
    position (None where it shows ``0``: never); ``adl`` the ADL quantile of each position;
    ``break_even`` Binance's ``breakEvenPrice`` (entry moved by the fees paid; None if absent).
    """

    market: Market
    wallets: dict[str, Amount]  # the cross wallet of each margin asset
    positions: tuple[Position, ...]
    reported: dict[PositionKey, Price | None] = field(default_factory=dict)
    adl: dict[PositionKey, int] = field(default_factory=dict)
    break_even: dict[PositionKey, Price | None] = field(default_factory=dict)
    funding: dict[str, Funding] = field(default_factory=dict)
    marks: dict[str, Price] = field(default_factory=dict)
    ts_ms: int = 0


@dataclass(frozen=True, slots=True)
class MarkMoved:
    """``<symbol>@markPrice@1s``: a new mark, with the funding it announces."""

    symbol: str
    mark: Price
    funding: Funding
    ts_ms: int


@dataclass(frozen=True, slots=True)
class WalletChanged:
    """``ACCOUNT_UPDATE`` ``B[]``: the cross wallet of one asset."""

    asset: str
    cross_wallet: Amount
    ts_ms: int


@dataclass(frozen=True, slots=True)
class PositionChanged:
    """``ACCOUNT_UPDATE`` ``P[]``: one position's size, entry and margin (zero: closed).

    ``isolated_wallet`` is in the symbol's margin asset, which the message does not name.
    """

    symbol: str
    side: PositionSide
    quantity: Qty
    entry_price: Price
    margin_type: MarginType
    isolated_wallet: Decimal | None
    ts_ms: int
    break_even: Price | None = None  # ``bep``, where the message carries it


class ForcedKind(Enum):
    """Why the exchange closed (part of) a position by itself."""

    LIQUIDATION = "LIQUIDATION"
    ADL = "ADL"


@dataclass(frozen=True, slots=True)
class ForcedOrder:
    """``ORDER_TRADE_UPDATE`` of a liquidation (``autoclose-``) or ADL (``adl_autoclose``)."""

    kind: ForcedKind
    symbol: str
    side: str  # BUY or SELL
    position_side: PositionSide
    order_id: int
    status: str
    quantity: Qty
    filled: Qty
    average_price: Price
    price: Price
    ts_ms: int


@dataclass(frozen=True, slots=True)
class MarginCalled:
    """``MARGIN_CALL``: Binance warns that these positions near their maintenance margin."""

    symbols: tuple[str, ...]
    maintenance: tuple[Decimal, ...]  # each position's maintenance margin (``mm``)
    ts_ms: int


@dataclass(frozen=True, slots=True)
class ListenKeyExpired:
    """``listenKeyExpired``: the user data stream has stopped; a new key is needed."""

    ts_ms: int


@dataclass(frozen=True, slots=True)
class StreamDown:
    """The stream connection ended (``generation`` tells which connection)."""

    reason: str
    generation: int


@dataclass(frozen=True, slots=True)
class StreamAlive:
    """Any other message (a subscription answer): the connection still carries data."""


StreamEvent = (
    MarkMoved
    | WalletChanged
    | PositionChanged
    | ForcedOrder
    | MarginCalled
    | ListenKeyExpired
    | StreamDown
    | StreamAlive
)
