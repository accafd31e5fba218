"""What a post-mortem reads: an account's fills, forced orders, income and the mark path.

Every source (Binance's API, the CSV files Binance's website exports, a liquidator journal)
becomes one :class:`History`; the reconstruction and the report never know which one it was.
Prices, quantities and amounts are raw fixed-point integers (10**-8), as everywhere else.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

LIQUIDATION = "LIQUIDATION"
ADL = "ADL"


class PostmortemError(ValueError):
    """A source that cannot be read, or nothing to report: one line for the CLI, exit 2."""


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill of the account (a ``userTrades`` row)."""

    time_ms: int
    symbol: str
    side: str  # BUY | SELL
    position_side: str  # BOTH | LONG | SHORT
    price: int
    quantity: int  # positive
    commission: int  # paid, positive
    realized_pnl: int
    order_id: int
    trade_id: int

    @property
    def signed(self) -> int:
        return self.quantity if self.side == "BUY" else -self.quantity


@dataclass(frozen=True, slots=True)
class ForcedOrder:
    """One liquidation or ADL order of the account (a ``forceOrders`` row)."""

    order_id: int
    symbol: str
    side: str
    position_side: str
    price: int  # a liquidation order's limit: Binance's bankruptcy price
    quantity: int
    executed: int
    average: int
    time_ms: int
    kind: str  # LIQUIDATION | ADL


@dataclass(frozen=True, slots=True)
class Income:
    """One ``income`` row: REALIZED_PNL, COMMISSION, FUNDING_FEE, INSURANCE_CLEAR, TRANSFER."""

    time_ms: int
    symbol: str
    kind: str
    amount: int  # signed, from the account's side
    asset: str
    tran_id: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """What only a journal knows of a liquidation: the exact trigger and the margin call."""

    isolated: bool
    wallet: int  # the unit's wallet just before
    margin_balance: int
    maintenance: int
    marks: tuple[tuple[str, int], ...]
    margin_call: tuple[int, int, int] | None  # (time, margin balance, maintenance)
    cancelled: tuple[int, ...]
    taken_over: int = 0  # by the insurance fund, at the bankruptcy price
    deleveraged: tuple[tuple[str, str, int, int], ...] = ()  # (account, side, quantity, price)


@dataclass
class History:
    """An account's records over a time range, from one source."""

    source: str
    asset: str = "USDT"
    fills: list[Fill] = field(default_factory=list)
    forced: list[ForcedOrder] = field(default_factory=list)
    income: list[Income] = field(default_factory=list)
    marks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # (time, mark)
    leverage: dict[str, int] = field(default_factory=dict)  # current settings, as hints
    margin_types: dict[str, str] = field(default_factory=dict)  # symbol -> isolated | cross
    wallet_now: int | None = None  # the account's whole wallet at ``end_ms``, if known
    end_ms: int = 0
    evidence: dict[int, Evidence] = field(default_factory=dict)  # by first forced order id
    notes: list[str] = field(default_factory=list)
    coin16: dict[str, int] = field(default_factory=dict)  # inverse symbols: contract size x 10**16

    def sort(self) -> None:
        """Put every list in time order (ties: ids), as Binance pages them."""
        self.fills.sort(key=lambda f: (f.time_ms, f.trade_id))
        self.forced.sort(key=lambda o: (o.time_ms, o.order_id))
        self.income.sort(key=lambda i: (i.time_ms, i.tran_id, i.kind))
        for path in self.marks.values():
            path.sort(key=lambda point: point[0])  # stable: one command's marks keep their order

    def liquidations(self, symbol: str | None) -> list[ForcedOrder]:
        return [
            o
            for o in self.forced
            if o.kind == LIQUIDATION and (symbol is None or o.symbol == symbol)
        ]


def kline_points(rows: list[tuple[int, int, int, int, int]]) -> list[tuple[int, int]]:
    """Return a mark path from 1-minute bars ``(open time, open, high, low, close)``.

    Each bar goes open, then high and low (a falling bar visits its high first, a rising one
    its low: no look-ahead), then close at the bar's last millisecond. Binance moves the mark
    every second, so a leg longer than a second's share of the bar is walked in
    ``SECONDS_PER_LEG`` even steps: a stop inside a fast bar fills one step past its price,
    not at the bar's extreme.
    """
    points: list[tuple[int, int]] = []
    for start, open_, high, low, close in rows:
        middle = (high, low) if close < open_ else (low, high)
        corners = [(start, open_), (start + 20_000, middle[0])]
        corners += [(start + 40_000, middle[1]), (start + 59_999, close)]
        points.append(corners[0])
        for (t0, p0), (t1, p1) in itertools.pairwise(corners):
            points += _walk(t0, p0, t1, p1)
    return points


SECONDS_PER_LEG = 20
STEP_BPS = 10  # legs moving less than 0.1% are not walked


def _walk(t0: int, p0: int, t1: int, p1: int) -> list[tuple[int, int]]:
    """Return the points after ``(t0, p0)`` up to ``(t1, p1)``, in even steps if it is long."""
    if abs(p1 - p0) * 10_000 <= p0 * STEP_BPS:
        return [(t1, p1)]
    n = SECONDS_PER_LEG
    return [(t0 + (t1 - t0) * k // n, p0 + (p1 - p0) * k // n) for k in range(1, n + 1)]
