"""Stress an account: what each price shock does to its margin, which positions go, what is left.

Every mark moves by the same shock (``mark x (1 + shock)``, rounded down to the tick), from 0 to
the given one in equal steps. At each step the surviving positions are assessed exactly at the
shocked marks (``risk.assess_account``): an isolated position whose margin ratio reaches 100% is
liquidated, and so is the whole cross account when its ratio does. A liquidated position is
gone for the steps after it, and what it leaves is counted as zero (at the liquidation price the
remaining margin is about the maintenance margin, which the clearance fee takes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.position import Position
from liquidator.core.money.fixed import Amount, Price, Rate
from liquidator.core.money.scaled import Rounding


@dataclass(frozen=True, slots=True)
class StressStep:
    shock: Fraction
    margin_ratio: Rate | None  # the cross account's, while it stands
    liquidated: tuple[str, ...]  # positions gone at this step ("BTCUSDT LONG", ...)
    surviving: int
    equity: Amount  # cross margin balance (if it stands) + surviving isolated balances


def stress(
    account: Account, tables: Mapping[str, BracketTable], shock: Fraction, steps: int
) -> list[StressStep]:
    """Return one step per shock from 0 to ``shock`` (``steps`` of them after 0)."""
    if steps < 1 or not -1 < shock < 10:
        raise ValueError("steps >= 1 and a shock within (-100%, +1000%)")
    alive = list(account.positions)
    cross_alive = True
    result = []
    for number in range(steps + 1):
        step_shock = shock * number / steps
        shocked = [_shocked(p, step_shock) for p in alive]
        gone: list[str] = []
        risk = assess_account(Account(account.cross_wallet_balance, tuple(shocked)), tables)
        for original, position_risk in zip(alive, risk.positions, strict=True):
            ratio = position_risk.isolated_margin_ratio()
            if position_risk.position.isolated_wallet is not None and _reached(ratio):
                gone.append(_label(original))
        if cross_alive and account.cross_positions() and risk.is_liquidatable():
            cross_alive = False
            gone += [_label(p) for p in alive if p.is_cross]
        alive = [p for p in alive if _label(p) not in gone]
        equity = _equity(account, tables, [_shocked(p, step_shock) for p in alive], cross_alive)
        result.append(
            StressStep(
                step_shock,
                risk.margin_ratio if cross_alive else None,
                tuple(gone),
                len(alive),
                equity,
            )
        )
    return result


def _reached(ratio: Rate | None) -> bool:
    return ratio is None or ratio.raw >= Rate.of(1).raw


def _label(position: Position) -> str:
    direction = "LONG" if position.quantity.raw > 0 else "SHORT"
    return f"{position.symbol} {position.side.value}/{direction}"


def _shocked(position: Position, shock: Fraction) -> Position:
    tick = position.instrument.tick_size.raw
    mark = Price.from_fraction(position.mark_price.fraction * (1 + shock), Rounding.FLOOR)
    raw = max(tick, mark.raw - mark.raw % tick)
    return replace(position, mark_price=Price(raw))


def _equity(
    account: Account, tables: Mapping[str, BracketTable], alive: list[Position], cross_alive: bool
) -> Amount:
    asset = account.cross_wallet_balance.asset
    total = Amount.zero(asset)
    kept = [p for p in alive if cross_alive or not p.is_cross]
    if not kept and not cross_alive:
        return total
    risk = assess_account(Account(account.cross_wallet_balance, tuple(kept)), tables)
    if cross_alive:
        total = total + risk.cross_margin_balance
    for position_risk in risk.positions:
        position = position_risk.position
        if position.isolated_wallet is not None and position.isolated_wallet.asset == asset:
            total = total + position.isolated_wallet + position_risk.margin.unrealized_pnl
    return total
