"""Whatever a position row holds, `liquidator risk` answers with a report or one error line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.cli import main
from tests.builders import position_row

FIELDS = [
    "symbol",
    "positionSide",
    "positionAmt",
    "entryPrice",
    "markPrice",
    "marginType",
    "isolatedWallet",
    "leverage",
]
JUNK: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=12),
    st.sampled_from(
        [
            "0",
            "-0",
            "1e400",
            "NaN",
            "-Infinity",
            "0.000000001",
            "1_000",
            " 5 ",
            "BTCUSD_PERP",
            "cross",
            "isolated",
            "LONG",
            "SHORT",
            "BOTH",
            "20",
            "125",
        ]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(changes=st.dictionaries(st.sampled_from(FIELDS), JUNK, min_size=1, max_size=3))
def test_any_field_value_gives_a_report_or_one_error_line(
    tmp_path_factory: pytest.TempPathFactory, changes: dict[str, Any]
) -> None:
    row = position_row()
    for key, value in changes.items():
        row[key] = value
    folder: Path = tmp_path_factory.mktemp("account")
    path = folder / "account.json"
    path.write_text(json.dumps({"crossWalletBalance": "1000", "positions": [row]}))

    status = main(["risk", str(path), "--json"])

    assert status in {0, 2}
