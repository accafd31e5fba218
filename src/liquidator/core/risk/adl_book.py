"""One side of a symbol's ADL ranking kept between sweeps, read as far as a walk needs it.

A crash that deleverages on every tick ranks the opposite side again at each new mark (the
ranking is taken once per sweep: ``adl_closeout._ranked_allocation``); the walk reads the first
few hundred of thousands of holders. This book keeps what ranks each holder, so that a sweep
computes the exact keys (``adl_ranking.score_key``, ``Candidate.sort_key``) of only the holders
that can come first:

* **inputs**: a position alone in its margin unit (isolated, or the account's only open cross
  position of the margin asset) with a positive wallet ranks on ``(quantity, cost, wallet)``
  alone: its balance is the wallet plus its PnL. Those are kept, read again only for the
  accounts whose units changed since the book was last read (``touched``: the risk index's
  dirty units, every ledger posting and position change). Every other holder (several
  positions in one unit, a wallet at or below zero, a venue account) is *volatile*: read in
  full at each sweep, as before.
* **bounds**: a kept holder's key at a profit only grows as the mark moves its way (down for a
  short, up for a long): its PnL does, and ``pnl / (wallet + pnl)`` grows with the PnL for a
  positive wallet; at a loss its key is at most 0. The key at a reference mark a little beyond
  the current one (``REACH``), or 0 if above, bounds it at every mark on this side of the
  reference, so a heap of
  those bounds gives the holders in an order that no exact key can beat unseen: a holder is
  taken in ranking order once its exact key is above every bound not yet read. The heap is built
  again when the mark passes the reference (or has moved far from it, the bounds gone loose).

The keys read are those of the full ranking at the sweep's mark, in the same order (a property
test compares them): the kept inputs are the state when the sweep first ranks the side, since
the book is read again only at the next sweep that ranks it.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Final

from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import IntTiers
from liquidator.core.money.scaled import floor_scaled
from liquidator.core.risk.adl_ranking import RankKey, score_key

REACH: Final = 200  # the reference mark is 1/REACH (0.5%) beyond the mark it is taken at
LOOSE: Final = 4  # rebuilt when the mark is over LOOSE/REACH past the reference, bounds loose

Holder = tuple[str, PositionSide]  # (account, position side): a key of ``SymbolState.holders``
Inputs = tuple[int, int, int, int]  # (number, signed quantity, cost, wallet): what ranks it
Bound = tuple[int, int, str, PositionSide]  # (-key at the reference mark, number, holder)


def holder_key(
    tiers: IntTiers, mark: int, name: str, side: PositionSide, inputs: Inputs
) -> RankKey:
    """Return ``Candidate.sort_key`` of a position alone in its unit, from its inputs."""
    _, quantity, cost, wallet = inputs
    pnl = floor_scaled(tiers.pnl16(quantity, cost, mark))
    size = abs(quantity)
    score = score_key(pnl, floor_scaled(tiers.notional16(size, mark)), wallet + pnl)
    return (-score, -size, name, side._value_)


class AdlBook:
    """The kept holders of one side of one symbol (shorts when ``short``), and their bounds."""

    __slots__ = (
        "bounds",
        "inputs",
        "numbered",
        "reference",
        "short",
        "taken",
        "touched",
        "volatile",
    )

    def __init__(self, short: bool) -> None:
        self.short = short
        self.inputs: dict[Holder, Inputs] = {}  # kept holders
        self.volatile: set[Holder] = set()  # holders read in full at every sweep
        self.touched: set[str] = set()  # accounts changed since the book was last read
        self.bounds: list[Bound] = []  # a heap; entries of holders since changed are stale
        self.taken: list[Bound] = []  # entries read off ``bounds`` by the last ranking
        self.reference = 0  # the mark the bounds are taken at (0: none yet)
        self.numbered = 0  # inputs are numbered in order: a bound names the inputs it is of

    def keep(self, holder: Holder, quantity: int, cost: int, wallet: int) -> Inputs:
        """Keep (or replace) a holder's inputs; return them (numbered afresh)."""
        self.numbered += 1
        inputs = self.inputs[holder] = (self.numbered, quantity, cost, wallet)
        self.volatile.discard(holder)
        return inputs

    def drop(self, holder: Holder) -> None:
        """Forget a holder (gone from this side, or volatile now): its bounds go stale."""
        self.inputs.pop(holder, None)
        self.volatile.discard(holder)

    def valid_at(self, mark: int) -> bool:
        """Tell whether the bounds hold at ``mark`` and are still tight enough to use."""
        reference = self.reference
        if reference <= 0 or len(self.bounds) > 2 * len(self.inputs) + 1024:
            return False
        if self.short:  # keys grow as the mark falls: the reference must be at or below it
            return reference <= mark <= reference + reference * LOOSE // REACH
        return reference - reference * LOOSE // REACH <= mark <= reference

    def bound(self, tiers: IntTiers, holder: Holder, inputs: Inputs) -> Bound:
        """Return the heap entry of a kept holder at the reference mark."""
        name, side = holder
        key = holder_key(tiers, self.reference, name, side, inputs)
        return (min(key[0], 0), inputs[0], name, side)  # at a loss: at most 0 (see ``rebuild``)

    def rebuild(self, tiers: IntTiers, mark: int) -> None:
        """Take the bounds again at a reference ``1/REACH`` beyond ``mark``.

        A holder at a profit there bounds its key by its key there; one at a loss by 0: its key
        at a loss (``u x B / N**2``, or 0 once its balance is gone) does not follow the PnL, but
        is never above 0.
        """
        step = mark // REACH
        self.reference = max(1, mark - step) if self.short else mark + step
        self.bounds = [self.bound(tiers, holder, inputs) for holder, inputs in self.inputs.items()]
        heapify(self.bounds)
        self.taken = []

    def add_bound(self, tiers: IntTiers, holder: Holder, inputs: Inputs) -> None:
        heappush(self.bounds, self.bound(tiers, holder, inputs))

    def put_back(self) -> None:
        """Return the entries the last ranking read to the heap (their bounds still hold)."""
        for entry in self.taken:
            heappush(self.bounds, entry)
        self.taken = []

    def ranking(self, tiers: IntTiers, mark: int, volatile_keys: list[RankKey]) -> LazyRanking:
        """Return the side's ranking at ``mark`` (bounds valid there), given the volatile keys."""
        return LazyRanking(self, tiers, mark, volatile_keys)


class LazyRanking:
    """A side's positions in deleveraging order (``adl_ranking.Ranking``'s), exact keys computed
    only for the holders that can come before the next place read."""

    __slots__ = ("book", "mark", "order", "ready", "tiers")

    def __init__(self, book: AdlBook, tiers: IntTiers, mark: int, ready: list[RankKey]) -> None:
        heapify(ready)
        self.book = book
        self.tiers = tiers
        self.mark = mark
        self.ready = ready  # a heap of exact keys not read yet
        self.order: list[RankKey] = []  # the keys read so far, best first

    def at(self, place: int) -> RankKey | None:
        """Return the key at ``place`` (0: the first to be deleveraged); None past the end."""
        order, ready = self.order, self.ready
        while len(order) <= place:
            if not self._next_bound_first():
                if not ready:
                    return None
                order.append(heappop(ready))
        return order[place]

    def _next_bound_first(self) -> bool:
        """Compute the exact key of the best bound's holder if no exact key is above it yet.

        Return whether one was computed (the next key read may be behind it). A bound equal to
        the best exact key is read too: its holder could tie the score and be larger.
        """
        book, ready = self.book, self.ready
        bounds, inputs = book.bounds, book.inputs
        while bounds:
            entry = bounds[0]
            held = inputs.get((entry[2], entry[3]))
            if held is None or held[0] != entry[1]:  # a stale bound: the holder changed
                heappop(bounds)
                continue
            if ready and ready[0][0] < entry[0]:  # -key: the exact key is above the bound
                return False
            book.taken.append(heappop(bounds))
            heappush(ready, holder_key(self.tiers, self.mark, entry[2], entry[3], held))
            return True
        return False
