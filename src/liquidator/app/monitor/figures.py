"""Each position's figures, solved with the core's margin maths (the path of ``liquidator risk``).

Per margin asset, the book's positions form one core :class:`Account` (the cross wallet and
every position margined in that asset), so a cross position's liquidation price is solved with
all the other cross positions frozen at their marks, and an isolated one with its own wallet
(by :class:`AccountSolver`: ``assess_account``'s groups and core functions, in linear time).
``marginRatio`` is the cross account's ratio for a cross position and the position's own for an
isolated one. Binance's reported ``liquidationPrice`` comes from the last REST snapshot; ours,
solved at that snapshot's marks, is compared with it (:func:`reported_differences`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import Funding, PositionKey, Snapshot
from liquidator.app.monitor.solver import AccountSolver
from liquidator.app.monitor.volatility import sigma_distance
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import AccountRisk, PositionRisk, assess_account
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Price, Rate


@dataclass(frozen=True, slots=True)
class PositionLine:
    """One position's figures at the book's current marks."""

    risk: PositionRisk
    margin_ratio: Rate | None  # None: no margin balance left
    adl: int | None
    funding: Funding | None
    sigma: float | None  # daily standard deviation of the mark's log returns
    reported: Price | None  # Binance's liquidationPrice at the last snapshot (None: "0")
    differs: bool  # ours at that snapshot is more than one tick from Binance's
    ts_ms: int
    break_even: Price | None = None  # Binance's breakEvenPrice (None: not told)

    @property
    def key(self) -> PositionKey:
        position = self.risk.position
        return position.symbol, position.side

    @property
    def liquidation(self) -> Price | None:
        return self.risk.liquidation.price

    def sigma_distance(self) -> float | None:
        """Return the distance to liquidation in daily standard deviations (None: unknown)."""
        price = self.liquidation
        mark = self.risk.position.mark_price
        return sigma_distance(mark.to_decimal(), price.to_decimal() if price else None, self.sigma)


def position_lines(
    book: AccountBook,
    sigmas: Mapping[str, float | None],
    differs: Mapping[PositionKey, bool],
    solver: AccountSolver | None = None,
) -> list[PositionLine]:
    """Return every position's figures, sorted by symbol and side.

    ``solver`` keeps single positions' prices between calls; give a new one with a new market.
    """
    solver = solver or AccountSolver()
    lines = []
    for account in book.accounts():
        risks, cross_ratio = solver.solve(account, book.market.brackets)
        for position_risk in risks:
            position = position_risk.position
            key = (position.symbol, position.side)
            lines.append(
                PositionLine(
                    risk=position_risk,
                    margin_ratio=cross_ratio
                    if position.is_cross
                    else position_risk.isolated_margin_ratio(),
                    adl=_adl(book.adl, key, position.direction),
                    funding=book.funding.get(position.symbol),
                    sigma=sigmas.get(position.symbol),
                    reported=book.reported.get(key),
                    differs=differs.get(key, False),
                    ts_ms=book.updated_ms,
                    break_even=book.break_even.get(key),
                )
            )
    return sorted(lines, key=lambda line: (line.key[0], line.key[1].value))


def margin_ratio(account: AccountRisk, position: PositionRisk) -> Rate | None:
    """Return the ratio that liquidates ``position``: its own if isolated, else the account's."""
    if position.position.is_cross:
        return account.margin_ratio
    return position.isolated_margin_ratio()


def _adl(quantiles: Mapping[PositionKey, int], key: PositionKey, direction: int) -> int | None:
    """Return the position's ADL quantile; a one-way position reads its direction's column."""
    found = quantiles.get(key)
    if found is not None:
        return found
    if key[1] is PositionSide.BOTH:
        side = PositionSide.LONG if direction > 0 else PositionSide.SHORT
        return quantiles.get((key[0], side))
    return None


def reported_differences(snapshot: Snapshot) -> dict[PositionKey, bool]:
    """Tell, per position, whether Binance's liquidation price differs from ours by more than
    one price tick, both at the snapshot's marks (a tick absorbs the 10**-8 roundings of
    amounts that each side does its own way)."""
    book = AccountBook(snapshot)
    result = {}
    for line in position_lines(book, {}, {}):
        if line.key in snapshot.reported:
            theirs = snapshot.reported[line.key]
            result[line.key] = _differ(line.liquidation, theirs, snapshot.market, line.key[0])
    return result


def _differ(ours: Price | None, theirs: Price | None, market: Market, symbol: str) -> bool:
    if ours is None or theirs is None:
        return ours != theirs
    instrument = market.instrument(symbol)
    tick = instrument.tick_size.raw if instrument else 0
    return abs(ours.raw - theirs.raw) > tick


def solve_accounts(accounts: list[Account], market: Market) -> list[AccountRisk]:
    """Solve core accounts (used by the what-if on changed copies of the book's)."""
    return [assess_account(account, market.brackets) for account in accounts]
