"""Rebuild positions from fills, exactly as the exchange core settles them.

A fill of signed quantity ``d`` at ``P`` against a position ``(Q, C)`` (``C`` the exact cost,
10**-16 of the margin asset): opening adds ``d`` and ``d * P`` (linear) or ``floor(d * CS / P)``
coin (inverse, contract size ``CS``); closing ``c = min(|d|, |Q|)`` removes ``ceil(C * c / |Q|)``
of the cost (inverse: ``floor``; ``core/exchange/settlement.py``); what is left of ``d`` opens
the other way. An isolated position's wallet follows the same fills: its realized PnL and
funding stay in it, the closed part hands back ``floor(wallet * c / |Q|)`` (all of it when flat)
and the opened part brings ``ceil(notional / leverage)``, the notional ``opened * P`` or
``ceil(opened * CS / P)`` coin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liquidator.core.money.fixed import SCALE
from liquidator.core.money.scaled import Rounding, ceil_div, divide_signed
from liquidator.postmortem.records import Fill, Income

SCALE2 = SCALE * SCALE


@dataclass
class Leg:
    """One position (symbol and position side) as its fills built it."""

    symbol: str
    position_side: str
    quantity: int = 0  # signed raw
    cost: int = 0  # signed, 10**-16
    opened_ms: int = 0
    fills: list[Fill] = field(default_factory=list)  # since it opened
    coin16: int = 0  # an inverse contract's size x 10**16 (0: linear), as ``IntTiers.coin16``

    @property
    def key(self) -> tuple[str, str]:
        return self.symbol, self.position_side

    def entry(self) -> int:
        """Return the entry price (raw), rounded half-even like the exchange's."""
        return entry_price(self.quantity, self.cost, self.coin16)

    def copy(self) -> Leg:
        return Leg(
            self.symbol,
            self.position_side,
            self.quantity,
            self.cost,
            self.opened_ms,
            [*self.fills],
            self.coin16,
        )

    def value16(self, quantity: int, price: int) -> int:
        """Return what a fill of signed ``quantity`` at ``price`` adds to the cost."""
        if not self.coin16:
            return quantity * price
        return quantity * self.coin16 // max(price, 1)

    def notional16(self, size: int, price: int) -> int:
        """Return the notional of ``size`` (>= 0) at ``price`` (inverse: coin, rounded up)."""
        if not self.coin16:
            return size * price
        return ceil_div(size * self.coin16, max(price, 1))

    def pnl16(self, mark: int) -> int:
        """Return the unrealized PnL at ``mark`` (10**-16), as ``IntTiers.pnl16``."""
        if not self.coin16:
            return self.quantity * mark - self.cost
        return self.cost - ceil_div(self.quantity * self.coin16, max(mark, 1))

    def apply(self, fill: Fill) -> tuple[int, int]:
        """Settle ``fill``; return (closed, opened) quantities, positive."""
        delta = fill.signed
        if self.quantity == 0:
            self.opened_ms, self.fills = fill.time_ms, []
        self.fills.append(fill)
        if self.quantity == 0 or (self.quantity > 0) == (delta > 0):
            self.quantity += delta
            self.cost += self.value16(delta, fill.price)
            return 0, abs(delta)
        closed = min(abs(delta), abs(self.quantity))
        if self.coin16:
            removed = self.cost * closed // abs(self.quantity)
        else:
            removed = -(-self.cost * closed // abs(self.quantity))
        sign = 1 if self.quantity > 0 else -1
        self.cost -= removed
        self.quantity -= sign * closed
        rest = abs(delta) - closed
        if rest:
            self.quantity -= sign * rest
            self.cost += self.value16(-sign * rest, fill.price)
            self.opened_ms, self.fills = fill.time_ms, [fill]
        return closed, rest


def entry_price(quantity: int, cost: int, coin16: int = 0) -> int:
    """Return the entry price (raw) of ``quantity`` of ``cost``: ``cost / q`` linear,
    ``q * CS / cost`` inverse (the harmonic mean of the fills), half-even; 0 when flat."""
    if not quantity or not cost:
        return 0
    if not coin16:
        return divide_signed(cost, quantity, Rounding.HALF_EVEN)
    return divide_signed(quantity * coin16, cost, Rounding.HALF_EVEN)


def isolated_wallet(leg: Leg, funding: list[Income], leverage: int) -> int:
    """Return the isolated wallet of ``leg`` at ``leverage`` after its fills and funding."""
    wallet = 0
    replay = Leg(leg.symbol, leg.position_side, coin16=leg.coin16)
    events: list[tuple[int, int, Fill | Income]] = [(f.time_ms, 0, f) for f in leg.fills]
    events += [(i.time_ms, 1, i) for i in funding if i.time_ms >= leg.opened_ms]
    for _, _, item in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(item, Income):
            wallet += item.amount
            continue
        before = abs(replay.quantity)
        closed, opened = replay.apply(item)
        wallet += item.realized_pnl
        if closed:
            wallet -= wallet if closed == before else wallet * closed // before
        if opened:
            wallet += ceil_div(replay.notional16(opened, item.price), SCALE * leverage)
    return wallet


def tick_bankruptcy(bankrupt: int, long: bool, tick: int) -> int:
    """Return the liquidation order's price: a long's bankruptcy price up to the tick."""
    if long:
        return -(-bankrupt // tick) * tick
    return max(tick, bankrupt - bankrupt % tick)
