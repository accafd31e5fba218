"""Solve an account's positions as ``assess_account`` does, in time linear in the positions.

The same core functions (``position_margin``, ``liquidation_price``, ``group_bankruptcy_price``) on
the same groups and the same frozen rest: a cross group's ``SharedMargin`` is the cross wallet with
the other cross positions' maintenance margin and unrealized PnL, taken here as the account's totals
less the group's own (exact integer sums, so equal to summing the others). Two results are kept
between calls. A single position's liquidation price is the one root of a monotone equation,
whatever the mark: while the position and its shared margin stay the same (an isolated position
between fills), the price solved last time holds. And the cushion ``wallet - others' maintenance +
others' PnL`` enters the equation as a constant: a group that no price can liquidate with a cushion
C cannot be liquidated with any cushion above C either (its surplus is higher at every price), so a
well-margined cross position is not solved again until its cushion falls below the least one seen
(its brackets shown are those at the mark, as the core gives them). A cross hedge pair (LONG and
SHORT of a symbol sharing one price) moves its cushion at every other mark, so it is solved every
second; its surplus is, on each segment between bracket floors, a line ``cushion + constant +
slope·v`` whose constant and slope depend on the pair alone (the core's own ``_segments`` and
``_line``, cushion zero), so those lines are kept per pair and a new cushion costs one division per
segment instead of the core's walk (rebuilding every line: five times the time). Tests hold the
results equal to ``assess_account``'s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from liquidator.core.contracts.brackets import Bracket, BracketTable
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import PositionRisk
from liquidator.core.margin.liquidation_price import (
    LiquidationPrice,
    SharedMargin,
    TriggerPrice,
    group_bankruptcy_price,
    liquidation_price,
)
from liquidator.core.margin.liquidation_price import _group as liquidation_group
from liquidator.core.margin.liquidation_price import _line as surplus_line
from liquidator.core.margin.liquidation_price import _segments as bracket_segments
from liquidator.core.margin.position import Position, PositionSide
from liquidator.core.margin.position_margin import PositionMargin, margin_ratio, position_margin
from liquidator.core.money.fixed import Amount, Price, Rate, total

_Solved = tuple[LiquidationPrice, TriggerPrice | None]
_Shape = tuple[tuple[str, PositionSide, int, int, Amount | None], ...]
_Key = tuple[_Shape, SharedMargin]
MAX_CACHED = 10_000


class SegmentLines:
    """A liquidation group's surplus on each bracket segment, less the cushion.

    ``lines`` holds, per segment ``[start, end)`` of v (the price, or its inverse for COIN-M),
    the surplus's constant and slope with a cushion of zero and the brackets in force; the root
    for a cushion C is ``-(C + constant) / slope``, kept if it lies in its own segment, as the
    core's ``liquidation_price`` keeps it.
    """

    def __init__(self, positions: Sequence[Position], tables: Sequence[BracketTable]) -> None:
        self.group = liquidation_group(positions)
        self.lines: list[tuple[Fraction, Fraction | None, Fraction, Fraction, tuple[Bracket, ...]]]
        self.lines = []
        for start, end in bracket_segments(self.group.legs, tables):
            brackets = self.group.brackets_at(tables, start)
            constant, slope = surplus_line(self.group, brackets, Fraction(0))
            if slope != 0:
                self.lines.append((start, end, constant, slope, brackets))

    def solve(self, margin: SharedMargin, mark: Price) -> LiquidationPrice | None:
        """Return the liquidation price at ``mark`` (None: no root; the core tells why)."""
        fixed = margin.wallet.fraction - margin.other_maintenance.fraction
        fixed += margin.other_pnl.fraction
        best: tuple[Fraction, Fraction, Fraction, tuple[Bracket, ...]] | None = None
        at = mark.fraction
        for start, end, constant, slope, brackets in self.lines:
            root = -(fixed + constant) / slope
            if root > 0 and start <= root and (end is None or root < end):
                distance = abs(self.group.to_price(root) - at)
                if best is None or distance < best[0]:  # the first of equals, as ``min``
                    best = (distance, root, slope, brackets)
        if best is None:
            return None
        _, root, slope, brackets = best
        direction = self.group.direction(slope)
        price = Price.from_fraction(self.group.to_price(root), direction.rounding)
        return LiquidationPrice(TriggerPrice(price, direction), brackets)


class AccountSolver:
    """Solves accounts; remembers single positions' prices while their inputs stay the same."""

    def __init__(self) -> None:
        self.solved: dict[_Key, _Solved] = {}
        self.never: dict[_Shape, int] = {}  # the least cushion seen to leave a group unliquidable
        self.pairs: dict[_Shape, SegmentLines] = {}  # cross hedge pairs' lines

    def solve(
        self, account: Account, tables: Mapping[str, BracketTable]
    ) -> tuple[list[PositionRisk], Rate | None]:
        """Return every position's risk and the cross account's margin ratio."""
        margins = [position_margin(p, tables[p.symbol]) for p in account.positions]
        asset = account.margin_asset
        cross = [m for m in margins if m.position.is_cross]
        cross_maintenance = total([m.maintenance_margin for m in cross], asset)
        cross_pnl = total([m.unrealized_pnl for m in cross], asset)
        groups: dict[tuple[str, PositionSide | None], list[PositionMargin]] = {}
        for margin in margins:
            groups.setdefault(_group_key(margin.position), []).append(margin)
        risks = []
        for members in groups.values():
            wallet = members[0].position.isolated_wallet
            if wallet is not None:
                shared = SharedMargin.isolated(wallet)
            else:
                own_maintenance = total([m.maintenance_margin for m in members], asset)
                own_pnl = total([m.unrealized_pnl for m in members], asset)
                shared = SharedMargin(
                    account.cross_wallet_balance,
                    cross_maintenance - own_maintenance,
                    cross_pnl - own_pnl,
                )
            liquidation, bankruptcy = self._prices(members, tables, shared)
            risks += [PositionRisk(m, liquidation, bankruptcy, shared) for m in members]
        order = {id(p): i for i, p in enumerate(account.positions)}
        risks.sort(key=lambda risk: order[id(risk.position)])
        return risks, margin_ratio(cross_maintenance, account.cross_wallet_balance + cross_pnl)

    def _prices(
        self,
        members: list[PositionMargin],
        tables: Mapping[str, BracketTable],
        shared: SharedMargin,
    ) -> _Solved:
        positions = tuple(m.position for m in members)
        shape = tuple(
            (p.symbol, p.side, p.quantity.raw, p.entry_price.raw, p.isolated_wallet)
            for p in positions
        )
        found = self.solved.get((shape, shared))
        if found is not None:
            return found
        cushion = shared.wallet.raw - shared.other_maintenance.raw + shared.other_pnl.raw
        floor = self.never.get(shape)
        if floor is not None and cushion >= floor:
            never = LiquidationPrice(None, tuple(m.bracket for m in members))
            return never, group_bankruptcy_price(positions, shared)
        symbol_tables = [tables[p.symbol] for p in positions]
        liquidation = None
        if len(positions) > 1:
            lines = self.pairs.get(shape)
            if lines is None:
                lines = self.pairs[shape] = SegmentLines(positions, symbol_tables)
            liquidation = lines.solve(shared, positions[0].mark_price)
        if liquidation is None:
            liquidation = liquidation_price(positions, symbol_tables, shared)
        solved = (liquidation, group_bankruptcy_price(positions, shared))
        if len(self.solved) + len(self.never) + len(self.pairs) >= MAX_CACHED:
            self.solved.clear()
            self.never.clear()
            self.pairs.clear()
        if liquidation.trigger is None and not liquidation.at_any_price:
            self.never[shape] = min(cushion, floor if floor is not None else cushion)
        elif len(positions) == 1 and liquidation.trigger is not None:
            self.solved[shape, shared] = solved
        return solved


def _group_key(position: Position) -> tuple[str, PositionSide | None]:
    """Cross hedge LONG and SHORT of a symbol share a price; every other position is alone."""
    if position.is_cross and position.side is not PositionSide.BOTH:
        return position.symbol, None
    return position.symbol, position.side
