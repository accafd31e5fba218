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
    """Rows of (wallet, quantity and cost per column) for the multi-position units.

    A column is a (symbol, position side). Each column's unrealized PnL, notional and
    maintenance are cached at the mark they were computed at: a tick recomputes only the
    columns of the symbols whose mark moved and that hold anything, then sums the columns.
    """

    __slots__ = (
        "called",
        "column_marks",
        "columns",
        "cost",
        "cums",
        "floors",
        "free",
        "fund",
        "held",
        "keys",
        "live",
        "maintenance",
        "notional",
        "pnl",
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
        self.held = [0] * width  # live rows with a position in each column
        self.column_marks = [0.0] * width
        self.wallet: Floats = np.zeros(0)
        self.quantity: Floats = np.zeros((width, 0))  # column-major: a column is contiguous
        self.cost: Floats = np.zeros((width, 0))
        self.pnl: Floats = np.zeros((width, 0))
        self.notional: Floats = np.zeros((width, 0))
        self.maintenance: Floats = np.zeros((width, 0))
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
        else:
            self._count(row, -1)
        self.wallet[row] = wallet / RAW
        self.quantity[:, row] = 0.0
        self.cost[:, row] = 0.0
        for symbol, side, quantity, cost in positions:
            column = self.columns[symbol, side]
            self.quantity[column, row] = quantity / RAW
            self.cost[column, row] = cost / RAW16
        self.live[row], self.called[row], self.fund[row] = True, called, fund
        self._count(row, 1)
        for column in range(len(self.symbols)):
            self._figure(column, row)

    def remove(self, key: UnitKey) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            self._count(row, -1)
            self.live[row] = False
            self.keys[row] = None
            self.quantity[:, row] = 0.0
            self.cost[:, row] = 0.0
            self.pnl[:, row] = self.notional[:, row] = self.maintenance[:, row] = 0.0
            self.free.append(row)

    def _count(self, row: int, sign: int) -> None:
        for column in np.flatnonzero(self.quantity[:, row]):
            self.held[column] += sign

    def _figure(self, column: int, row: int) -> None:
        """Compute one cell's PnL, notional and maintenance at the column's cached mark."""
        mark = self.column_marks[column]
        quantity = self.quantity[column, row]
        notional = abs(quantity) * mark
        floors = self.floors[column]
        bracket = max(0, int(np.searchsorted(floors, notional, side="right")) - 1)
        self.pnl[column, row] = quantity * mark - self.cost[column, row]
        self.notional[column, row] = notional
        self.maintenance[column, row] = (
            notional * self.rates[column][bracket] - self.cums[column][bracket] if quantity else 0.0
        )

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

        def wider(block: Floats) -> Floats:
            return np.concatenate([block, np.zeros((block.shape[0], extra))], axis=1)

        self.quantity, self.cost = wider(self.quantity), wider(self.cost)
        self.pnl, self.notional = wider(self.pnl), wider(self.notional)
        self.maintenance = wider(self.maintenance)
        self.wallet = np.concatenate([self.wallet, np.zeros(extra)])
        self.live = np.concatenate([self.live, np.zeros(extra, dtype=bool)])
        self.called = np.concatenate([self.called, np.zeros(extra, dtype=bool)])
        self.fund = np.concatenate([self.fund, np.zeros(extra, dtype=bool)])
        self.keys.extend([None] * extra)
        self.free.extend(range(grown - 1, size - 1, -1))

    def _refresh_column(self, column: int, mark: float) -> None:
        """Recompute a whole column at ``mark`` and move the row sums by the difference."""
        quantity = self.quantity[column]
        notional = np.abs(quantity) * mark
        bracket = np.searchsorted(self.floors[column], notional, side="right") - 1
        np.clip(bracket, 0, len(self.floors[column]) - 1, out=bracket)
        maintenance = notional * self.rates[column][bracket] - self.cums[column][bracket]
        maintenance[quantity == 0] = 0.0
        pnl = quantity * mark - self.cost[column]
        self.pnl[column], self.notional[column] = pnl, notional
        self.maintenance[column] = maintenance
        self.column_marks[column] = mark

    def candidates(self, marks: dict[str, int], call_threshold: int) -> list[UnitKey]:
        """Return the units near liquidation, a margin call or a recovery at ``marks`` (raw)."""
        if not self.rows:
            return []
        for column, symbol in enumerate(self.symbols):
            mark = marks.get(symbol, 0) / RAW
            if mark != self.column_marks[column]:
                if self.held[column]:
                    self._refresh_column(column, mark)
                else:
                    self.column_marks[column] = mark
        # sums afresh each time (no running totals: float drift must never hide a unit)
        used = [column for column in range(len(self.symbols)) if self.held[column]] or [0]
        pnl, notional = self.pnl[used[0]].copy(), self.notional[used[0]].copy()
        maintenance = self.maintenance[used[0]].copy()
        for column in used[1:]:
            pnl += self.pnl[column]
            notional += self.notional[column]
            maintenance += self.maintenance[column]
        balance = self.wallet + pnl
        tolerance = (np.abs(self.wallet) + notional) * RELATIVE_TOLERANCE + ABSOLUTE_TOLERANCE
        calls = maintenance - (call_threshold / RAW) * balance
        trader = self.live & ~self.fund
        near = (balance - maintenance <= tolerance) | (calls >= -tolerance)
        near &= trader & ~self.called
        near |= trader & self.called & ((calls <= tolerance) | (balance - maintenance <= tolerance))
        near |= self.live & self.fund & (balance <= tolerance)
        return [key for key in (self.keys[row] for row in np.flatnonzero(near)) if key]
