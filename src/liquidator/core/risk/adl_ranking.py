"""Auto-deleveraging: who is closed against a bankrupt position, and the ADL quantile.

Binance's current ranking (binance-mechanics §7, FAQ-ADL):

    PnL%              = unrealized PnL / |notional|                  (the position, at its mark)
    effective leverage = |notional| / (wallet + unrealized PnL)        (its margin unit)
    score             = PnL% x effective leverage   when PnL% >= 0
                      = PnL% / effective leverage   otherwise

A unit with no margin balance left ranks as infinitely leveraged. Positions sort by the score
scaled by 2**64 and floored (an integer: scores closer than 2**-64 tie); ties go to the larger
position, then the account name (deterministic). The
quantile 0-4 is the position's place among the positions of its side (long or short) in the
symbol: ``ceil(5 * rank / count) - 1``, the highest scores in 4.

Two allocations of a quantity to deleverage (``AdlPolicy``):

* ``RANKED`` (Binance): the opposite positions in score order, each closed as far as needed;
* ``PRO_RATA``: shared among the profitable opposite positions in proportion to their
  unrealized profit (rounded down to the step, the rest in score order), then, if profit runs
  out, by score like ``RANKED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from heapq import heapify, heappop
from typing import Final

from liquidator.core.money.scaled import ceil_div

QUANTILES: Final = 5
INFINITE: Final = Fraction(10**30)  # a unit with no balance left: leverage without bound
INFINITE_KEY: Final = 1 << 256


class AdlPolicy(Enum):
    """How a bankrupt remainder is shared among the opposite positions."""

    RANKED = "RANKED"
    PRO_RATA = "PRO_RATA"


@dataclass(frozen=True, slots=True, init=False)
class Candidate:
    """An opposite position that can be deleveraged, with what ranks it."""

    account: str
    side: str  # its PositionSide value
    size: int  # |quantity| (raw)
    unrealized: int  # at its mark (raw)
    notional: int  # |quantity| x mark (raw)
    unit_balance: int  # wallet + unrealized PnL of its margin unit (raw)

    def __init__(  # explicit: a compiled dataclass's generated __init__ runs interpreted
        self, account: str, side: str, size: int, unrealized: int, notional: int, unit_balance: int
    ) -> None:
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "side", side)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "unrealized", unrealized)
        object.__setattr__(self, "notional", notional)
        object.__setattr__(self, "unit_balance", unit_balance)

    @property
    def score(self) -> Fraction:
        """Binance's ranking: PnL% times (or, at a loss, divided by) effective leverage.

        With ``u`` the unrealized PnL, ``N`` the notional and ``B`` the unit's balance:
        ``(u/N) x (N/B) = u/B`` in profit and ``(u/N) / (N/B) = u x B / N**2`` at a loss.
        """
        if self.notional == 0:
            return Fraction(0)
        if self.unit_balance <= 0:
            return INFINITE if self.unrealized >= 0 else Fraction(0)
        if self.unrealized >= 0:
            return Fraction(self.unrealized, self.unit_balance)
        return Fraction(self.unrealized * self.unit_balance, self.notional * self.notional)

    def score_key(self) -> int:
        """The score scaled by 2**64 and floored: an integer that sorts like it (fast)."""
        return score_key(self.unrealized, self.notional, self.unit_balance)

    def sort_key(self) -> tuple[int, int, str, str]:
        """Highest score first; then larger positions; then by name."""
        return (-self.score_key(), -self.size, self.account, self.side)


def score_key(unrealized: int, notional: int, unit_balance: int) -> int:
    """Return :attr:`Candidate.score` scaled by 2**64 and floored: an integer that sorts like it."""
    if notional == 0:
        return 0
    if unit_balance <= 0:
        return INFINITE_KEY if unrealized >= 0 else 0
    if unrealized >= 0:
        return (unrealized << 64) // unit_balance
    return ((unrealized * unit_balance) << 64) // (notional * notional)


def ranked(candidates: list[Candidate]) -> list[Candidate]:
    """Return ``candidates`` in deleveraging order (highest score first)."""
    return sorted(candidates, key=Candidate.sort_key)


def allocate(
    candidates: list[Candidate], quantity: int, step: int, policy: AdlPolicy
) -> list[tuple[Candidate, int]]:
    """Return (candidate, quantity) pairs that close ``quantity`` among ``candidates``.

    Quantities are whole steps; the total is ``min(quantity, sum of sizes)``.
    """
    order = ranked(candidates)
    taken: dict[tuple[str, str], int] = {}
    left = quantity
    if policy is AdlPolicy.PRO_RATA:
        left = _pro_rata(order, quantity, step, taken)
    for candidate in order:
        if left <= 0:
            break
        key = (candidate.account, candidate.side)
        room = candidate.size - taken.get(key, 0)
        take = min(room, left)
        if take > 0:
            taken[key] = taken.get(key, 0) + take
            left -= take
    return [(c, taken[(c.account, c.side)]) for c in order if taken.get((c.account, c.side))]


def _pro_rata(
    order: list[Candidate], quantity: int, step: int, taken: dict[tuple[str, str], int]
) -> int:
    """Share ``quantity`` by unrealized profit (floored to steps); return what is left."""
    winners = [c for c in order if c.unrealized > 0]
    profit = sum(c.unrealized for c in winners)
    if profit <= 0:
        return quantity
    target = min(quantity, sum(c.size for c in winners))
    left = quantity
    for candidate in winners:
        share = target * candidate.unrealized // profit
        share = min(candidate.size, share - share % step)
        if share > 0:
            taken[(candidate.account, candidate.side)] = share
            left -= share
    return left


RankKey = tuple[int, int, str, str]  # Candidate.sort_key: (-score key, -size, account, side)


class Ranking:
    """One side's positions in deleveraging order, sorted only as far as a walk reads it.

    Built from the positions' sort keys (``Candidate.sort_key``, unique per account and side):
    a heap in linear time, then popped in order on demand, so that the deleveraging of one
    bankruptcy, which reads the first few of tens of thousands, does not sort them all. The
    order read is the sorted order of the keys (``ranked``'s).
    """

    def __init__(self, keys: list[RankKey]) -> None:
        heapify(keys)
        self.rest = keys  # a heap of the keys not read yet
        self.order: list[RankKey] = []  # the keys read so far, best first

    def at(self, place: int) -> RankKey | None:
        """Return the key at ``place`` (0: the first to be deleveraged); None past the end."""
        order, rest = self.order, self.rest
        while len(order) <= place:
            if not rest:
                return None
            order.append(heappop(rest))
        return order[place]


def quantiles(keys: list[RankKey]) -> dict[tuple[str, str], int]:
    """Return the ADL quantile (0-4) of each of one side's positions, given their sort keys."""
    keys.sort(reverse=True)  # lowest score first
    count = len(keys)
    return {
        (key[2], key[3]): ceil_div(QUANTILES * (rank + 1), count) - 1
        for rank, key in enumerate(keys)
    }
