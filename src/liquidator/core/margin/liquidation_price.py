"""Liquidation and bankruptcy prices (Binance FAQ formulas, USD-M and COIN-M, one-way and hedge).

A *group* is the positions that share one liquidation price: a single position (isolated, or
cross one-way), or the LONG and SHORT of one symbol in cross hedge mode. Everything else that
shares the wallet is frozen at its current mark: its maintenance margin ``TMM1`` and unrealized
PnL ``UPNL1``. The liquidation price is the mark price P of the group's symbol at which

    WB − TMM1 + UPNL1 + Σ pnl_i(P) = Σ (notional_i(P) · mmr_i − cum_i)

i.e. margin balance equals maintenance margin. In the variable ``v = P`` (linear) or
``v = 1/P`` (inverse) both sides are linear inside a bracket, which gives Binance's closed forms
(binance-mechanics §3.1, §4). The bracket is the one holding the notional *at the liquidation
price*: instead of re-checking a guess, the solver walks the segments between bracket floors and
keeps the roots that fall inside the segment whose brackets produced them, so the answer is
exact and the tier always consistent (case X3). The bankruptcy price solves margin balance = 0.

Prices round toward the position's safe side (a falling trigger up, a rising one down), so the
reported level is reached no later than the exact one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from liquidator.core.contracts.brackets import Bracket, BracketTable
from liquidator.core.margin.position import Position
from liquidator.core.margin.position_margin import exact_maintenance_margin, exact_unrealized_pnl
from liquidator.core.money.fixed import Amount, Price
from liquidator.core.money.scaled import Rounding


class Direction(Enum):
    """Which way the mark must move to reach a trigger price."""

    FALLING = "falling"  # reached when the mark falls to the price (longs)
    RISING = "rising"  # reached when the mark rises to the price (shorts)

    @property
    def rounding(self) -> Rounding:
        return Rounding.CEILING if self is Direction.FALLING else Rounding.FLOOR


@dataclass(frozen=True, slots=True)
class TriggerPrice:
    """A mark price at which something happens, and the direction from which it is reached."""

    price: Price
    direction: Direction


@dataclass(frozen=True, slots=True)
class LiquidationPrice:
    """Where the group is liquidated.

    ``trigger`` is None when no positive price reaches maintenance: either the group can never
    be liquidated (Binance shows "--"), or ``at_any_price`` is set because it is already below
    maintenance at every price. ``brackets`` are the brackets in force at the trigger, one per
    position of the group.
    """

    trigger: TriggerPrice | None
    brackets: tuple[Bracket, ...]
    at_any_price: bool = False

    @property
    def price(self) -> Price | None:
        return self.trigger.price if self.trigger else None


@dataclass(frozen=True, slots=True)
class SharedMargin:
    """What the group's own positions do not carry: the wallet, and the frozen rest."""

    wallet: Amount
    other_maintenance: Amount
    other_pnl: Amount

    @classmethod
    def isolated(cls, wallet: Amount) -> SharedMargin:
        return cls(wallet, Amount.zero(wallet.asset), Amount.zero(wallet.asset))


@dataclass(frozen=True, slots=True)
class _Leg:
    """A position as linear forms in v: pnl = intercept + slope·v, notional = size·v."""

    pnl_intercept: Fraction
    pnl_slope: Fraction
    size: Fraction


@dataclass(frozen=True, slots=True)
class _Group:
    """The positions solved together, in the variable v = P (linear) or v = 1/P (inverse)."""

    positions: tuple[Position, ...]
    legs: tuple[_Leg, ...]
    inverse: bool

    def to_price(self, v: Fraction) -> Fraction:
        return 1 / v if self.inverse else v

    def direction(self, slope: Fraction) -> Direction:
        """Return how the trigger is reached, given the slope in v of the surplus at the root."""
        surplus_rises_with_v = slope > 0  # so the deficit lies below the root in v
        return Direction.FALLING if surplus_rises_with_v != self.inverse else Direction.RISING

    def brackets_at(self, tables: Sequence[BracketTable], v: Fraction) -> tuple[Bracket, ...]:
        return tuple(
            table.bracket_for(leg.size * v) for leg, table in zip(self.legs, tables, strict=True)
        )


def liquidation_price(
    positions: Sequence[Position], tables: Sequence[BracketTable], margin: SharedMargin
) -> LiquidationPrice:
    """Solve margin balance = maintenance margin for the group's mark price."""
    group = _group(positions)
    if len(tables) != len(group.legs):
        raise ValueError("a liquidation group needs one bracket table per position")
    fixed = margin.wallet.fraction - margin.other_maintenance.fraction + margin.other_pnl.fraction
    roots = _iterate(group, tables, fixed) if len(group.legs) == 1 else []
    if not roots:
        roots = _scan(group, tables, fixed)
    if not roots:
        return _without_root(group, tables, fixed)
    mark = group.positions[0].mark_price.fraction
    root, slope, brackets = min(roots, key=lambda r: abs(group.to_price(r[0]) - mark))
    direction = group.direction(slope)
    price = Price.from_fraction(group.to_price(root), direction.rounding)
    return LiquidationPrice(TriggerPrice(price, direction), brackets)


_Root = tuple[Fraction, Fraction, tuple[Bracket, ...]]


def _line(
    group: _Group, brackets: tuple[Bracket, ...], fixed: Fraction
) -> tuple[Fraction, Fraction]:
    """Return (constant, slope) of the surplus ``f(v)`` with ``brackets`` in force."""
    constant, slope = fixed, Fraction(0)
    for leg, bracket in zip(group.legs, brackets, strict=True):
        constant += leg.pnl_intercept + bracket.maintenance_amount.fraction
        slope += leg.pnl_slope - leg.size * bracket.maintenance_margin_rate.fraction
    return constant, slope


def _iterate(group: _Group, tables: Sequence[BracketTable], fixed: Fraction) -> list[_Root]:
    """Binance's re-check: solve with the brackets at the mark, then at the root, until stable.

    A single position's surplus is strictly monotone in v, so a root whose own brackets produced
    it is the only root. Returns [] when no such root shows within a few passes (the caller then
    walks every segment).
    """
    mark = group.positions[0].mark_price.fraction
    brackets = group.brackets_at(tables, 1 / mark if group.inverse else mark)
    for _ in range(4):
        constant, slope = _line(group, brackets, fixed)
        root = -constant / slope
        if root <= 0:
            return []
        at_root = group.brackets_at(tables, root)
        if at_root == brackets:
            return [(root, slope, brackets)]
        brackets = at_root
    return []


def _scan(group: _Group, tables: Sequence[BracketTable], fixed: Fraction) -> list[_Root]:
    """Walk every segment between bracket floors; keep the roots inside their own segment."""
    roots: list[_Root] = []
    for start, end in _segments(group.legs, tables):
        brackets = group.brackets_at(tables, start)
        constant, slope = _line(group, brackets, fixed)
        if slope == 0:
            continue
        root = -constant / slope
        if root > 0 and start <= root and (end is None or root < end):
            roots.append((root, slope, brackets))
    return roots


def group_bankruptcy_price(
    positions: Sequence[Position], margin: SharedMargin
) -> TriggerPrice | None:
    """Solve margin balance = 0 for the group's mark price (others frozen); None if unreachable.

    Binance publishes no formula; this is its definition ("losses equal the collateral"),
    with ``TMM1`` left out (binance-mechanics §3.4).
    """
    group = _group(positions)
    constant = margin.wallet.fraction + margin.other_pnl.fraction
    constant += sum((leg.pnl_intercept for leg in group.legs), Fraction(0))
    slope = sum((leg.pnl_slope for leg in group.legs), Fraction(0))
    if slope == 0:
        return None
    root = -constant / slope
    if root <= 0:
        return None
    direction = group.direction(slope)
    return TriggerPrice(Price.from_fraction(group.to_price(root), direction.rounding), direction)


def _without_root(
    group: _Group, tables: Sequence[BracketTable], fixed: Fraction
) -> LiquidationPrice:
    """Tell 'never' from 'already, at any price' by the surplus at the current mark."""
    mark = group.positions[0].mark_price.fraction
    surplus = fixed
    for position, table in zip(group.positions, tables, strict=True):
        surplus += exact_unrealized_pnl(position, mark)
        surplus -= exact_maintenance_margin(position, table, mark)
    v = 1 / mark if group.inverse else mark
    return LiquidationPrice(None, group.brackets_at(tables, v), at_any_price=surplus <= 0)


def _segments(
    legs: tuple[_Leg, ...], tables: Sequence[BracketTable]
) -> list[tuple[Fraction, Fraction | None]]:
    """Return the v-intervals ``[start, end)`` inside which no leg changes bracket."""
    pairs = zip(legs, tables, strict=True)
    breaks = sorted({floor / leg.size for leg, table in pairs for floor in table.floors()})
    starts = [Fraction(0), *breaks]
    ends: list[Fraction | None] = [*breaks, None]
    return list(zip(starts, ends, strict=True))


def _group(positions: Sequence[Position]) -> _Group:
    if not positions:
        raise ValueError("a liquidation group holds at least one position")
    instrument = positions[0].instrument
    if any(p.instrument != instrument for p in positions):
        raise ValueError("a liquidation group holds positions of one instrument")
    return _Group(tuple(positions), tuple(_leg(p) for p in positions), instrument.is_inverse)


def _leg(position: Position) -> _Leg:
    quantity = position.quantity.fraction
    entry = position.entry_price.fraction
    instrument = position.instrument
    if instrument.is_inverse:
        contract_value = quantity * instrument.contract_size
        return _Leg(contract_value / entry, -contract_value, abs(contract_value))
    return _Leg(-quantity * entry, quantity, abs(quantity))
