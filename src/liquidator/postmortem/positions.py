"""Rebuild positions from fills, exactly as the exchange core settles them.

A fill of signed quantity ``d`` at ``P`` against a position ``(Q, C)`` (``C`` the exact cost,
10**-16): opening adds ``d`` and ``d * P``; closing ``c = min(|d|, |Q|)`` removes
``ceil(C * c / |Q|)`` of the cost (``core/exchange/settlement.py``); what is left of ``d`` opens the
other way. An isolated position's wallet follows the same fills: its realized PnL and funding
stay in it, the closed part hands back ``floor(wallet * c / |Q|)`` (all of it when flat) and the
opened part brings ``ceil(opened * P / leverage)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liquidator.core.money.fixed import SCALE
from liquidator.postmortem.records import Fill, Income


@dataclass
class Leg:
    """One position (symbol and position side) as its fills built it."""

    symbol: str
    position_side: str
    quantity: int = 0  # signed raw
    cost: int = 0  # signed, 10**-16
    opened_ms: int = 0
    fills: list[Fill] = field(default_factory=list)  # since it opened

    @property
    def key(self) -> tuple[str, str]:
        return self.symbol, self.position_side

    def entry(self) -> int:
        """Return the entry price (raw), rounded half-even like the exchange's."""
        if not self.quantity:
            return 0
        quotient, remainder = divmod(self.cost, self.quantity)
        twice = 2 * abs(remainder)
        if twice > abs(self.quantity) or (twice == abs(self.quantity) and quotient % 2):
            quotient += 1
        return quotient

    def copy(self) -> Leg:
        return Leg(
            self.symbol, self.position_side, self.quantity, self.cost, self.opened_ms, [*self.fills]
        )

    def apply(self, fill: Fill) -> tuple[int, int]:
        """Settle ``fill``; return (closed, opened) quantities, positive."""
        delta = fill.signed
        if self.quantity == 0:
            self.opened_ms, self.fills = fill.time_ms, []
        self.fills.append(fill)
        if self.quantity == 0 or (self.quantity > 0) == (delta > 0):
            self.quantity += delta
            self.cost += delta * fill.price
            return 0, abs(delta)
        closed = min(abs(delta), abs(self.quantity))
        removed = -(-self.cost * closed // abs(self.quantity))
        sign = 1 if self.quantity > 0 else -1
        self.cost -= removed
        self.quantity -= sign * closed
        rest = abs(delta) - closed
        if rest:
            self.quantity -= sign * rest
            self.cost -= sign * rest * fill.price
            self.opened_ms, self.fills = fill.time_ms, [fill]
        return closed, rest


def isolated_wallet(leg: Leg, funding: list[Income], leverage: int) -> int:
    """Return the isolated wallet of ``leg`` at ``leverage`` after its fills and funding."""
    wallet = 0
    replay = Leg(leg.symbol, leg.position_side)
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
            wallet += -(-opened * item.price // (SCALE * leverage))
    return wallet


def tick_bankruptcy(bankrupt: int, long: bool, tick: int) -> int:
    """Return the liquidation order's price: a long's bankruptcy price up to the tick."""
    if long:
        return -(-bankrupt // tick) * tick
    return max(tick, bankrupt - bankrupt % tick)
