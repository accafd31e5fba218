"""The journal's compact JSON is exactly ``json.dumps`` with compact separators."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from liquidator.app.json_text import compact, compact_record

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=30,
)


@given(values)
def test_compact_is_json_dumps_with_compact_separators(value: Any) -> None:
    assert compact(value) == json.dumps(value, separators=(",", ":"))


def test_compact_escapes_to_ascii_and_keeps_big_integers_exact() -> None:
    assert compact({"név": ["ü", 2**70, -1.5, None, True]}) == (
        '{"n\\u00e9v":["\\u00fc",1180591620717411303424,-1.5,null,true]}'
    )


def test_compact_record_escapes_as_json_does_and_keeps_big_integers_exact() -> None:
    assert compact_record(["é", "\x7f", 2**64, -(2**63) - 1, ("a", None, True), {"k": -1}]) == (
        '["\\u00e9","\\u007f",18446744073709551616,-9223372036854775809,["a",null,true],{"k":-1}]'
    )
