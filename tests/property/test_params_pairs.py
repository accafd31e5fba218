"""A query without escapes is split as ``parse_qsl`` splits it (the fast path of ``_pairs``)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.api.errors import BinanceError
from liquidator.api.params import MAX_PARAMETERS, _pairs

TEXT = st.text(alphabet=st.sampled_from("ab=&=&;x9 é.\u00a0-_%+2F"), max_size=80)


def reference(text: str) -> list[tuple[str, str]] | int:
    """parse_qsl's pairs, or the Binance code its refusal maps to."""
    try:
        return parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_PARAMETERS
        )
    except UnicodeDecodeError:
        return -1100
    except ValueError:
        return -1101


def ours(text: str) -> list[tuple[str, str]] | int:
    try:
        return _pairs(text)
    except BinanceError as error:
        return error.code


@given(TEXT)
def test_pairs_are_parse_qsl_pairs_whatever_the_text(text: str) -> None:
    assert ours(text) == reference(text)


@given(st.integers(min_value=MAX_PARAMETERS - 2, max_value=MAX_PARAMETERS + 2), st.booleans())
def test_too_many_pairs_are_refused_with_or_without_escapes(count: int, escaped: bool) -> None:
    text = "&".join(f"k{n}={'%20' if escaped else 'v'}" for n in range(count))
    if count > MAX_PARAMETERS:
        with pytest.raises(BinanceError, match="Too many parameters"):
            _pairs(text)
    else:
        assert len(_pairs(text)) == count
