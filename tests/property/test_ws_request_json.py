"""The WebSocket API reads a request frame exactly as ``json.loads`` does, orjson or not."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from liquidator.api.ws_api import _request_of

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
PARAMS = st.dictionaries(st.text(max_size=10), VALUES, max_size=6)
REQUESTS = st.fixed_dictionaries(
    {"method": st.text(max_size=12), "params": PARAMS | VALUES},
    optional={"id": VALUES, "extra": VALUES},
)


def _exact(value: Any) -> str:
    """A text that tells 1, 1.0 and True apart (``==`` does not)."""
    return json.dumps(value, sort_keys=False)


@given(REQUESTS, st.booleans(), st.sampled_from([None, 2]))
def test_a_request_reads_as_json_reads_it(
    request: Any, ascii_only: bool, indent: int | None
) -> None:
    text = json.dumps(request, ensure_ascii=ascii_only, indent=indent)
    assert _exact(_request_of(text)) == _exact(json.loads(text))


@given(VALUES)
def test_any_value_reads_as_json_reads_it(value: Any) -> None:
    text = json.dumps(value)
    assert _exact(_request_of(text)) == _exact(json.loads(text))


def test_what_orjson_reads_differently_goes_to_json() -> None:
    big = '{"id": 123456789012345678901234567890, "params": {"orderId": 123456789012345678901}}'
    assert _request_of(big) == {
        "id": 123456789012345678901234567890,
        "params": {"orderId": 123456789012345678901},
    }
    assert type(_request_of('{"params": {"price": 1e400}}')["params"]["price"]) is float
    assert str(_request_of('{"params": {"x": NaN}}')["params"]["x"]) == "nan"
