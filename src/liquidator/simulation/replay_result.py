"""What a replay measured: its liquidations, ADL closes, funds (one line per fund), samples.

Amounts are raw fixed point (10^-8 USDT); :meth:`ReplayResult.summary` gives the figures of the
summary table as decimal strings, each fund's apart (a BTCUSDT fund and an ETHUSDT fund are
never added together in one line).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from liquidator.core.exchange.events import AutoDeleveraged, FundingSettled, LiquidationTriggered
from liquidator.core.money.fixed import SCALE
from liquidator.simulation.population import Trader

LEVERAGE_BUCKETS = ((1, 5), (6, 10), (11, 25), (26, 50), (51, 125))


@dataclass(frozen=True, slots=True)
class Liquidation:
    ts_ms: int
    account: str
    symbol: str
    side: str  # of the liquidated position: LONG or SHORT
    quantity: int
    notional: int  # raw USDT, at the bankruptcy price
    bankruptcy_price: int
    fee: int
    taken_over: int
    deleveraged: int
    partial: bool


@dataclass(slots=True)
class Sample:
    """The population at one moment: margin ratios, liquidation prices, ADL quantiles."""

    ts_ms: int
    ratios: list[float]  # maintenance / margin balance, per unit (float: a chart's input)
    liquidation_prices: dict[str, list[int]]  # per symbol
    adl: Counter[int]


@dataclass(slots=True)
class ReplayResult:
    ticks: int = 0
    commands: int = 0
    start_ms: int = 0
    end_ms: int = 0
    prices: dict[str, list[tuple[int, int, int, int]]] = field(
        default_factory=dict
    )  # ms, mark, index, last
    liquidations: list[Liquidation] = field(default_factory=list)
    adl: list[AutoDeleveraged] = field(default_factory=list)
    triggered: list[LiquidationTriggered] = field(default_factory=list)
    funding: list[FundingSettled] = field(default_factory=list)
    fund: list[tuple[int, int]] = field(default_factory=list)  # ms, balance of all funds
    funds: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # per fund: ms, balance
    open_interest: list[tuple[int, int]] = field(default_factory=list)  # ms, raw qty (longs)
    samples: list[Sample] = field(default_factory=list)
    traders: list[Trader] = field(default_factory=list)
    opened: int = 0
    equity_end: dict[str, int] = field(default_factory=dict)
    entries: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)  # isolated:
    # name -> (symbol, quantity, cost, isolated wallet) right after the opening
    fund_low: int = 0  # all funds summed (runs.parquet's columns)
    fund_end: int = 0
    fund_lows: dict[str, int] = field(default_factory=dict)  # per fund (the summary's)
    fund_ends: dict[str, int] = field(default_factory=dict)
    state_hash: str = ""

    def summary(self) -> dict[str, object]:
        """The numbers of the summary table (raw amounts as decimal strings)."""
        by_side: dict[str, list[Liquidation]] = {"LONG": [], "SHORT": []}
        for item in self.liquidations:
            by_side[item.side].append(item)
        fees = sum(item.fee for item in self.liquidations)
        wiped = sum(
            1
            for t in self.traders
            if t.name in self.equity_end and self.equity_end[t.name] < t.deposit * SCALE // 100
        )
        buckets = {}
        for low, high in LEVERAGE_BUCKETS:
            members = [
                t for t in self.traders if low <= t.leverage <= high and t.name in self.equity_end
            ]
            loss = sum(self.equity_end[t.name] - t.deposit * SCALE for t in members)
            buckets[f"{low}-{high}x"] = (len(members), _decimal(loss))
        return {
            "ticks": self.ticks,
            "traders": len(self.traders),
            "opened": self.opened,
            "liquidations": {side: len(items) for side, items in by_side.items()},
            "liquidated_notional": {
                side: _decimal(sum(i.notional for i in items)) for side, items in by_side.items()
            },
            "partial": sum(1 for i in self.liquidations if i.partial),
            "full": sum(1 for i in self.liquidations if not i.partial),
            "clearance_fees": _decimal(fees),
            "fund_low_water": {fund_group(k): _decimal(v) for k, v in self.fund_lows.items()},
            "fund_end": {fund_group(k): _decimal(v) for k, v in self.fund_ends.items()},
            "bankruptcies": sum(1 for t in self.triggered if t.margin_balance < 0),
            "taken_over": sum(1 for i in self.liquidations if i.taken_over),
            "adl_events": len(self.adl),
            "adl_notional": _decimal(sum(a.quantity * a.price // SCALE for a in self.adl)),
            "wiped_out": wiped,
            "loss_by_leverage": buckets,
            "state_hash": self.state_hash,
        }


def _decimal(raw: int) -> str:
    sign = "-" if raw < 0 else ""
    whole, fraction = divmod(abs(raw), SCALE)
    return f"{sign}{whole}.{fraction // 10**6:02d}"


def fund_group(account: str) -> str:
    """Return a fund's group (``@insurance:BTCUSDT`` -> ``BTCUSDT``) for display."""
    return account.rpartition(":")[2]
