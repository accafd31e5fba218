"""``liquidator stress`` with a shock per symbol, and the shock at which the account breaks.

A shock vector gives each symbol its own move (``BTCUSDT -10%``, ``ETHUSDT -15%``; symbols not
named take the default, or none). Step ``k`` of ``n`` moves every mark by ``k/n`` of its shock
(``mark x (1 + k/n x shock)``, down to the tick) and asks the core's stress test
(``core.stress.stress`` at those marks, shock 0) what is liquidated there; what was liquidated
at an earlier step stays gone (a cross account's wallet with it). The **breaking shock** is the
least fraction ``t`` of the vector (to 1/10,000) at which the cross account reaches 100% margin
ratio; the **first liquidation** the least at which anything (cross or an isolated position)
does. Both are searched up to the largest ``t`` the marks allow (every one above zero, none
beyond +1000%).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.position import Position
from liquidator.core.margin.stress import stress
from liquidator.core.money.fixed import Amount, Price, Rate
from liquidator.core.money.scaled import Rounding

PRECISION = Fraction(1, 10_000)


@dataclass(frozen=True, slots=True)
class Shocks:
    by_symbol: dict[str, Fraction]
    default: Fraction | None

    def of(self, symbol: str) -> Fraction:
        return self.by_symbol.get(symbol, self.default or Fraction(0))


@dataclass(frozen=True, slots=True)
class Step:
    fraction: Fraction  # of the shock vector
    margin_ratio: Rate | None
    liquidated: tuple[str, ...]
    surviving: int
    equity: Amount


def shocked(account: Account, shocks: Shocks, fraction: Fraction) -> Account:
    """Return ``account`` with each mark moved by ``fraction`` of its symbol's shock."""
    return replace(account, positions=tuple(_moved(p, shocks, fraction) for p in account.positions))


def _moved(position: Position, shocks: Shocks, fraction: Fraction) -> Position:
    tick = position.instrument.tick_size.raw
    change = 1 + fraction * shocks.of(position.symbol)
    mark = Price.from_fraction(position.mark_price.fraction * change, Rounding.FLOOR)
    return replace(position, mark_price=Price(max(tick, mark.raw - mark.raw % tick)))


def stress_steps(
    account: Account, tables: dict[str, BracketTable], shocks: Shocks, steps: int
) -> list[Step]:
    """Return one step per fraction 0, 1/steps, ..., 1 of the shock vector."""
    alive = account
    cross_alive = bool(account.cross_positions())
    result = []
    for number in range(steps + 1):
        fraction = Fraction(number, steps)
        (at,) = stress(shocked(alive, shocks, fraction), tables, Fraction(0), 1)[:1]
        gone = set(at.liquidated)
        crossed = [_label(p) for p in alive.cross_positions()]
        cross_gone = bool(crossed) and all(label in gone for label in crossed)
        kept = tuple(
            p for p in alive.positions if _label(p) not in gone and not (cross_gone and p.is_cross)
        )
        wallet = Amount.zero(alive.cross_wallet_balance.asset) if cross_gone else None
        alive = Account(wallet or alive.cross_wallet_balance, kept)
        cross_alive = cross_alive and not cross_gone
        ratio = at.margin_ratio if cross_alive else None
        result.append(Step(fraction, ratio, at.liquidated, len(kept), at.equity))
    return result


def _label(position: Position) -> str:
    direction = "LONG" if position.quantity.raw > 0 else "SHORT"
    return f"{position.symbol} {position.side.value}/{direction}"


def cross_breaks(account: Account, tables: dict[str, BracketTable]) -> bool:
    """Tell whether the cross account reaches 100% margin ratio at its marks."""
    return bool(account.cross_positions()) and assess_account(account, tables).is_liquidatable()


def any_breaks(account: Account, tables: dict[str, BracketTable]) -> bool:
    """Tell whether anything (the cross account or an isolated position) is liquidated."""
    risk = assess_account(account, tables)
    if account.cross_positions() and risk.is_liquidatable():
        return True
    return any(
        _isolated_breach(r.isolated_margin_ratio())
        for r in risk.positions
        if r.position.isolated_wallet is not None
    )


def _isolated_breach(ratio: Rate | None) -> bool:
    return ratio is None or ratio.raw >= Rate.of(1).raw


Breaks = Callable[[Account, dict[str, BracketTable]], bool]


def breaking_fraction(
    account: Account, tables: dict[str, BracketTable], shocks: Shocks, breaks: Breaks
) -> Fraction | None:
    """Return the least fraction of the shock vector at which ``breaks`` (None: none)."""
    high = _limit(account, shocks)
    if high is None or not breaks(shocked(account, shocks, high), tables):
        return None
    if breaks(account, tables):
        return Fraction(0)
    low = Fraction(0)
    while high - low > PRECISION:
        middle = (low + high) / 2
        hit = breaks(shocked(account, shocks, middle), tables)
        low, high = (low, middle) if hit else (middle, high)
    return high


def _limit(account: Account, shocks: Shocks) -> Fraction | None:
    """Return the largest fraction the marks allow (above zero, at most +1000%)."""
    bounds = []
    for position in account.positions:
        shock = shocks.of(position.symbol)
        if shock < 0:
            bounds.append(Fraction(-99, 100) / shock)
        elif shock > 0:
            bounds.append(Fraction(10) / shock)
    return min(bounds) if bounds else None
