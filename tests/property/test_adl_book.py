"""The ADL book's lazy ranking reads the keys of the full ranking, in its order, sweep after sweep.

Each sweep changes some holders, moves the mark and ranks again: the keys read must be the sorted
keys of every holder at that mark, whether the book's bounds were taken again or kept.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from liquidator.bootstrap import bundled_market
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import IntTiers
from liquidator.core.risk.adl_book import AdlBook, holder_key
from liquidator.core.risk.adl_ranking import RankKey

MARK = 40_000 * 10**8
NAMES = [f"t{number:02d}" for number in range(30)]


def tiers(inverse: bool) -> IntTiers:
    market = bundled_market()
    table = market.bracket_table("BTCUSDT")
    assert table is not None
    return IntTiers(table, inverse_contract_size=100 if inverse else 0)


def position(draw: st.DrawFn, short: bool) -> tuple[int, int, int]:
    """(signed quantity, cost, wallet) of a position on the book's side, entered near ``MARK``."""
    size = draw(st.integers(min_value=1, max_value=10**9))
    entry = draw(st.integers(min_value=MARK * 8 // 10, max_value=MARK * 12 // 10))
    quantity = -size if short else size
    wallet = draw(st.integers(min_value=1, max_value=10**13))
    return quantity, quantity * entry, wallet


@st.composite
def sweeps(draw: st.DrawFn) -> tuple[bool, bool, list[tuple[int, dict[str, object], int]]]:
    """Whether shorts, whether inverse, and sweeps: (mark, changes by name, places read)."""
    short = draw(st.booleans())
    inverse = draw(st.booleans())
    runs = []
    mark = MARK
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        mark += draw(st.integers(min_value=-(mark // 50), max_value=mark // 50))
        changes: dict[str, object] = {}
        for name in draw(st.lists(st.sampled_from(NAMES), max_size=12, unique=True)):
            kind = draw(st.sampled_from(["position", "gone", "volatile"]))
            changes[name] = position(draw, short) if kind == "position" else kind
        runs.append((mark, changes, draw(st.integers(min_value=0, max_value=40))))
    return short, inverse, runs


@settings(max_examples=300, deadline=None)
@given(sweeps())
def test_the_lazy_ranking_reads_the_full_ranking(
    case: tuple[bool, bool, list[tuple[int, dict[str, object], int]]],
) -> None:
    short, inverse, runs = case
    table = tiers(inverse)
    side = PositionSide.BOTH
    book = AdlBook(short)
    kept: dict[str, tuple[int, int, int]] = {}
    volatile: dict[str, RankKey] = {}
    for mark, changes, reads in runs:
        book.put_back()
        valid = book.valid_at(mark)
        for name, change in changes.items():  # what the sweep reads again (touched accounts)
            kept.pop(name, None)
            volatile.pop(name, None)
            book.drop((name, side))
            if change == "volatile":  # read in full: any key, even one above every bound
                volatile[name] = (-(len(volatile) * 10**18), -1, name, side.value)
                book.volatile.add((name, side))
            elif isinstance(change, tuple):
                kept[name] = change
                inputs = book.keep((name, side), *change)
                if valid:
                    book.add_bound(table, (name, side), inputs)
        if not valid:
            book.rebuild(table, mark)
        expected = sorted(
            [holder_key(table, mark, name, side, (0, *inputs)) for name, inputs in kept.items()]
            + list(volatile.values())
        )
        ranking = book.ranking(table, mark, list(volatile.values()))
        read = [ranking.at(place) for place in range(min(reads, len(expected)))]

        assert read == expected[: len(read)]
        if reads > len(expected):
            assert ranking.at(len(expected)) is None
