"""The process's garbage-collector policy for a long-lived engine.

An engine holds its state (books, orders, positions, heaps) for the life of the process, and
makes short-lived records (events, ledger entries, orders) on every command. With CPython's
default thresholds a full collection, which walks every live object, comes every few hundred
young ones: with a large venue a stall of tens of milliseconds, and a sixth of the matching
benchmark's time. The engine's records form no cycles (refcounting frees them), so full
collections are made rare. Young ones are left frequent on purpose: each walks what was made
since the last, cold in the cache; every 10,000 allocations that is 3-8 ms, every 100,000 it
was 60-70 ms for the same total. State loaded at start (a snapshot, a journal replayed) is
frozen out of collections altogether.
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
