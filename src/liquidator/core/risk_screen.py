"""A float screen over the multi-position units: which few are worth an exact check on a tick.

Units holding several positions (cross accounts in several symbols, hedge pairs, insurance
funds) have no single liquidation price to index. On every mark move the sweep would have to
check each of them; instead their wallets, quantities and costs sit in float64 arrays, and one
vectorised pass at the new marks computes every unit's margin balance and maintenance margin
(bracket by ``searchsorted``). Units within a tolerance of a threshold (liquidation, margin
call, a called unit's recovery) are returned as candidates; the sweep checks each exactly with
the integer maths of ``margin_unit`` before anything happens. Floats never decide: the
tolerance (``1e-9`` of the unit's scale plus ``1e-6``) is far wider than float64 rounding on
these magnitudes, so the screen can only over-report.

This module is the one place in ``core`` that uses floats and numpy (the architecture test
names it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from liquidator.core.margin_unit import IntTiers

UnitKey = tuple[str, str]
Floats = npt.NDArray[np.float64]

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-6
RAW = 1e8  # raw units per unit
RAW16 = 1e16
SIDES = ("BOTH", "LONG", "SHORT")


class MultiScreen:
    """Rows of (wallet, quantity and cost per symbol) for the multi-position units."""

    __slots__ = (
        "called",
        "columns",
        "cost",
        "cums",
        "floors",
        "free",
        "fund",
        "keys",
        "live",
        "quantity",
        "rates",
        "rows",
        "symbols",
        "wallet",
    )

    def __init__(self, tiers: dict[str, IntTiers]) -> None:
        # a column per (symbol, position side): hedge legs are margined apart, never netted
        self.symbols = [s for s in sorted(tiers) for _ in SIDES]
        self.columns = {
            (symbol, side): column
            for column, (symbol, side) in enumerate((s, d) for s in sorted(tiers) for d in SIDES)
        }
        self.floors = [np.array([f / RAW16 for f in tiers[s].floors16]) for s in self.symbols]
        self.rates = [np.array([r / RAW for r in tiers[s].rates]) for s in self.symbols]
        self.cums = [np.array([c / RAW for c in tiers[s].cums]) for s in self.symbols]
        self.rows: dict[UnitKey, int] = {}
        self.keys: list[UnitKey | None] = []
        self.free: list[int] = []
        width = len(self.symbols)
        self.wallet: Floats = np.zeros(0)
        self.quantity: Floats = np.zeros((0, width))
        self.cost: Floats = np.zeros((0, width))
        self.live = np.zeros(0, dtype=bool)
        self.called = np.zeros(0, dtype=bool)
        self.fund = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.rows)

    def put(
        self,
        key: UnitKey,
        wallet: int,
        positions: list[tuple[str, str, int, int]],
        *,
        called: bool,
        fund: bool,
    ) -> None:
        """Write ``key``'s row: its wallet and each ``(symbol, side, quantity, cost)`` (raw)."""
        row = self.rows.get(key)
        if row is None:
            row = self._new_row(key)
        self.wallet[row] = wallet / RAW
        self.quantity[row] = 0.0
        self.cost[row] = 0.0
        for symbol, side, quantity, cost in positions:
            column = self.columns[symbol, side]
            self.quantity[row, column] = quantity / RAW
            self.cost[row, column] = cost / RAW16
        self.live[row], self.called[row], self.fund[row] = True, called, fund

    def remove(self, key: UnitKey) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            self.live[row] = False
            self.keys[row] = None
            self.free.append(row)

    def _new_row(self, key: UnitKey) -> int:
        if not self.free:
            self._grow()
        row = self.free.pop()
        self.rows[key] = row
        self.keys[row] = key
        return row

    def _grow(self) -> None:
        size = len(self.keys)
        grown = max(1024, 2 * size)
        extra = grown - size
        width = len(self.symbols)
        self.wallet = np.concatenate([self.wallet, np.zeros(extra)])
        self.quantity = np.concatenate([self.quantity, np.zeros((extra, width))])
        self.cost = np.concatenate([self.cost, np.zeros((extra, width))])
        self.live = np.concatenate([self.live, np.zeros(extra, dtype=bool)])
        self.called = np.concatenate([self.called, np.zeros(extra, dtype=bool)])
        self.fund = np.concatenate([self.fund, np.zeros(extra, dtype=bool)])
        self.keys.extend([None] * extra)
        self.free.extend(range(grown - 1, size - 1, -1))

    def candidates(self, marks: dict[str, int], call_threshold: int) -> list[UnitKey]:
        """Return the units near liquidation, a margin call or a recovery at ``marks`` (raw)."""
        if not self.rows:
            return []
        mark = np.array([marks.get(s, 0) / RAW for s in self.symbols])
        notional = np.abs(self.quantity) * mark
        balance = self.wallet + (self.quantity * mark - self.cost).sum(axis=1)
        maintenance = np.zeros_like(balance)
        for column in range(len(self.symbols)):
            value = notional[:, column]
            bracket = np.searchsorted(self.floors[column], value, side="right") - 1
            bracket = np.clip(bracket, 0, len(self.floors[column]) - 1)
            maintenance += value * self.rates[column][bracket] - self.cums[column][bracket]
        tolerance = (np.abs(self.wallet) + notional.sum(axis=1)) * RELATIVE_TOLERANCE
        tolerance += ABSOLUTE_TOLERANCE
        threshold = call_threshold / RAW
        holds = notional.sum(axis=1) > 0
        trader = self.live & ~self.fund & holds
        near = trader & (balance - maintenance <= tolerance)
        calls = maintenance - threshold * balance
        near |= trader & ~self.called & (calls >= -tolerance)
        near |= trader & self.called & (calls <= tolerance)
        near |= self.live & self.fund & (balance <= tolerance)
        return [key for key in (self.keys[row] for row in np.flatnonzero(near)) if key]
