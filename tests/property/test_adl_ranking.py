"""ADL quantiles follow Binance's score exactly, from the integer keys the engine sorts by."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.risk.adl_ranking import QUANTILES, Candidate, Ranking, quantiles, ranked

amounts = st.integers(min_value=-(10**14), max_value=10**14)
candidates = st.lists(
    st.builds(
        Candidate,
        account=st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]),
        side=st.sampled_from(["BOTH", "LONG", "SHORT"]),
        size=st.integers(min_value=1, max_value=10**10),
        unrealized=amounts,
        notional=st.integers(min_value=0, max_value=10**14),
        unit_balance=amounts,
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda c: (c.account, c.side),
)


@given(candidates)
def test_quantiles_rise_with_the_score_and_span_zero_to_four(group: list[Candidate]) -> None:
    result = quantiles([c.sort_key() for c in group])

    assert set(result) == {(c.account, c.side) for c in group}
    order = ranked(group)  # highest score first
    places = [result[(c.account, c.side)] for c in order]
    assert places == sorted(places, reverse=True)
    assert places[0] == QUANTILES - 1
    for better, worse in itertools.pairwise(order):
        assert better.score >= worse.score or better.score_key() == worse.score_key()


@given(candidates)
def test_the_integer_key_sorts_like_the_exact_score(group: list[Candidate]) -> None:
    for one in group:
        for other in group:
            if one.score > other.score:
                assert one.score_key() >= other.score_key()


@given(candidates, st.lists(st.integers(min_value=0, max_value=45), max_size=8))
def test_the_lazy_ranking_reads_in_the_sorted_order(
    group: list[Candidate], reads: list[int]
) -> None:
    expected = [c.sort_key() for c in ranked(group)]
    ranking = Ranking([c.sort_key() for c in group])

    for place in reads:  # read out of order, past the end too: the same place, the same key
        assert ranking.at(place) == (expected[place] if place < len(expected) else None)
    assert [ranking.at(place) for place in range(len(group))] == expected
    assert ranking.at(len(group)) is None
