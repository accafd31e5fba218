"""Read models of the insurance funds and the ADL queue, in Binance's shapes.

* :class:`FundHistory`: each fund's balance after every movement (clearance fees in, bankrupt
  wallets covered, realized PnL of what it took over), from the ledger's events, written to a
  store beside the journal (:class:`FundStore`); its lowest balance kept per fund;
* :func:`insurance_balance`: ``GET /fapi/v1/insuranceBalance`` (one object per fund group);
* :func:`adl_quantiles`: ``GET /fapi/v1/adlQuantile`` for one account, from the quantiles the
  engine last computed (one-way: ``BOTH`` and the position's direction; hedge: ``LONG`` and
  ``SHORT``; cross hedge marks the pair with ``HEDGE``, LONG and SHORT showing the same value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from liquidator.core.exchange.events import Event
from liquidator.core.exchange.ledger import LedgerPosted
from liquidator.core.exchange.venue import Venue
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import trim_raw
from liquidator.core.risk.insurance_groups import is_fund


@dataclass(frozen=True, slots=True)
class FundMovement:
    """One change of a fund's wallet: why, by how much, and the balance after (raw)."""

    fund: str
    asset: str
    kind: str
    change: int
    balance: int
    account: str  # whose liquidation or bankruptcy it was
    symbol: str
    ts_ms: int


@dataclass(slots=True)
class FundLevel:
    """A fund's wallet in one asset now (``balance``) and at its lowest (``low``), raw."""

    fund: str
    asset: str
    balance: int
    low: int


class FundStore(Protocol):
    """Where the funds' movements and levels are kept."""

    def fund_levels(self) -> list[FundLevel]:
        """Return every fund's level at the last write."""

    def fund_balances(self, limit: int) -> list[tuple[str, str, int, int]]:
        """Return the last ``limit`` written movements as (fund, asset, ts_ms, balance after),
        oldest first."""


class FundHistory:
    """Every fund's wallet over time: levels in memory (one per fund and asset), movements
    kept until written to the store (for ever without one)."""

    def __init__(self, store: FundStore | None = None) -> None:
        levels = store.fund_levels() if store is not None else []
        self.levels = {(level.fund, level.asset): level for level in levels}
        self.movements: list[FundMovement] = []  # to write
        self.changed: dict[tuple[str, str], FundLevel] = {}  # levels to write

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if not isinstance(event, LedgerPosted):
                continue
            for name, amount in event.postings:
                if is_fund(name):
                    self._move(name, amount, event)

    def _move(self, fund: str, amount: int, event: LedgerPosted) -> None:
        key = (fund, event.asset)
        level = self.levels.get(key)
        if level is None:
            level = self.levels[key] = FundLevel(fund, event.asset, 0, 0)
            level.low = amount  # the first balance is the lowest so far
        level.balance += amount
        level.low = min(level.low, level.balance)
        self.changed[key] = level
        self.movements.append(
            FundMovement(
                fund,
                event.asset,
                event.kind.value,
                amount,
                level.balance,
                event.account,
                event.symbol,
                event.ts_ms,
            )
        )

    def written(self) -> None:
        self.movements = []
        self.changed = {}

    def low_water(self, fund: str, asset: str) -> int | None:
        """Return the lowest balance the fund had, or None if it never moved."""
        level = self.levels.get((fund, asset))
        return None if level is None else level.low


def insurance_balance(venue: Venue, updated_ms: int) -> list[dict[str, object]]:
    """Return ``/fapi/v1/insuranceBalance`` without ``symbol``: one object per fund group."""
    config = venue.config.insurance
    groups: dict[str, list[str]] = {}
    for symbol in sorted(venue.symbols):
        groups.setdefault(config.fund_of(symbol), []).append(symbol)
    result: list[dict[str, object]] = []
    for fund, symbols in sorted(groups.items()):
        assets = sorted({venue.assets[s] for s in symbols})
        result.append(
            {
                "symbols": symbols,
                "assets": [
                    {
                        "asset": asset,
                        "marginBalance": trim_raw(venue.ledger.balance(fund, asset)),
                        "updateTime": updated_ms,
                    }
                    for asset in assets
                ],
            }
        )
    return result


def adl_quantiles(venue: Venue, account: str) -> list[dict[str, object]]:
    """Return ``/fapi/v1/adlQuantile`` for ``account``: a row per symbol it holds."""
    state = venue.accounts[account]
    rows: list[dict[str, object]] = []
    for symbol in sorted({p.symbol for p in state.open_positions()}):
        quantiles = venue.symbols[symbol].adl_quantiles
        held = {
            p.side: quantiles.get((account, p.side.value), 0)
            for p in state.open_positions()
            if p.symbol == symbol
        }
        if not state.hedge:
            value = held.get(PositionSide.BOTH, 0)
            long = state.position(symbol, PositionSide.BOTH).quantity > 0
            shape = {"LONG": value if long else 0, "SHORT": 0 if long else value, "BOTH": value}
        elif state.margin_type_of(symbol) is MarginType.CROSS:
            value = max(held.values())
            shape = {"LONG": value, "SHORT": value, "HEDGE": 0}
        else:
            shape = {
                "LONG": held.get(PositionSide.LONG, 0),
                "SHORT": held.get(PositionSide.SHORT, 0),
                "BOTH": 0,
            }
        rows.append({"symbol": symbol, "adlQuantile": shape})
    return rows
