"""The process's garbage-collector policy for a long-lived engine.

An engine holds its state (books, orders, positions, heaps) for the life of the process, and
makes short-lived records (events, ledger entries, orders) on every command. CPython's default
thresholds run a young collection every 700 allocations and a full one, which walks every live
object, every few hundred of those: with a large venue that is a stall of tens of milliseconds
and, in the matching benchmark, a sixth of the run. The engine's records form no cycles that
need collecting often (refcounting frees them), so collections are made rare; state loaded at
start (a snapshot, a journal replayed) is frozen out of them altogether.
"""

from __future__ import annotations

import gc

YOUNG, MIDDLE, OLD = 10_000, 50, 1_000


def tune_collector(*, freeze: bool = True) -> None:
    """Make collections rare; with ``freeze``, leave everything alive now out of them."""
    gc.set_threshold(YOUNG, MIDDLE, OLD)
    if freeze:
        gc.collect()
        gc.freeze()
