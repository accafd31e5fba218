"""Whatever a file holds, `liquidator risk`, `stress` and `probability` answer with a report or
one error line."""

from __future__ import annotations

import contextlib
import io
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


# Whole files, as a hostile user would hand them over: any JSON token in any field (nesting
# 20,000 deep, integers of 6,000 digits, NaN, exponents that would take for ever, non-ASCII
# digits), raw bytes, and kline CSV rows of any shape. Every run ends in a report or in one
# error line with status 2: never a traceback, a hang or a second line.

ANY_JSON_TOKEN: st.SearchStrategy[str] = st.one_of(
    st.integers(1, 20_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 20_000).map(lambda n: '{"a":' * n + "0" + "}" * n),
    st.integers(1, 6_000).map(lambda n: "9" * n),
    st.integers(1, 300_000).map(lambda n: json.dumps("9" * n)),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-Infinity",
            "1e999999",
            "-1E-999999",
            "0.0000000001",
            '"0e99999999"',
            '"1e-99999999"',
            '"²"',
            '"٢٠"',
            '"１２"',
            '"1_000"',
            '" 5 "',
            '"\\ud800"',
            '"-0"',
            "-0",
            "0",
            "-1",
            "true",
            "null",
            "{}",
            "[]",
        ]
    ),
    st.text(max_size=20).map(json.dumps),
)
PLACEHOLDER = '"@@"'
ACCOUNT_FIELDS = ["crossWalletBalance", *(f"positions.{name}" for name in FIELDS)]
BRACKET_FIELDS = ["bracket", "initialLeverage", "notionalCap", "notionalFloor", "maintMarginRatio"]


def account_template(field: str) -> str:
    row: dict[str, Any] = position_row()
    body: dict[str, Any] = {"crossWalletBalance": "1000", "positions": [row]}
    if field.startswith("positions."):
        row[field.removeprefix("positions.")] = "@@"
    else:
        body[field] = "@@"
    return json.dumps(body)


def brackets_template(field: str) -> str:
    bracket: dict[str, Any] = {
        "bracket": 1,
        "initialLeverage": 125,
        "notionalCap": 50000,
        "notionalFloor": 0,
        "maintMarginRatio": "0.004",
        "cum": 0,
    }
    bracket[field] = "@@"
    return json.dumps([{"symbol": "BTCUSDT", "brackets": [bracket]}])


HOSTILE_DOCUMENT: st.SearchStrategy[tuple[str, bytes]] = st.one_of(
    st.tuples(
        st.just("FILE"),
        st.builds(
            lambda field, token: account_template(field).replace(PLACEHOLDER, token).encode(),
            st.sampled_from(ACCOUNT_FIELDS),
            ANY_JSON_TOKEN,
        ),
    ),
    st.tuples(
        st.just("--brackets"),
        st.builds(
            lambda field, token: brackets_template(field).replace(PLACEHOLDER, token).encode(),
            st.sampled_from(BRACKET_FIELDS),
            ANY_JSON_TOKEN,
        ),
    ),
    st.tuples(
        st.sampled_from(["FILE", "--brackets", "--exchange-info"]),
        st.one_of(ANY_JSON_TOKEN.map(str.encode), st.binary(max_size=64)),
    ),
)


def run_quietly(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return the status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def assert_report_or_one_error_line(status: int, out: str, err: str) -> None:
    assert status in {0, 2}, err
    if status == 2:
        assert out == ""
        assert err.count("\n") == 1, err
        assert err.startswith("liquidator"), err


@given(document=HOSTILE_DOCUMENT, command=st.sampled_from(["risk", "stress"]))
def test_any_json_file_gives_a_report_or_one_error_line(
    tmp_path_factory: pytest.TempPathFactory, document: tuple[str, bytes], command: str
) -> None:
    role, content = document
    folder: Path = tmp_path_factory.mktemp("document")
    hostile = folder / "hostile.json"
    hostile.write_bytes(content)
    account = folder / "account.json"
    account.write_text(json.dumps({"crossWalletBalance": "1000", "positions": [position_row()]}))
    argv = [command, str(hostile if role == "FILE" else account)]
    if role != "FILE":
        argv += [role, str(hostile)]
    if command == "stress":
        argv += ["--shock=-20%", "--steps", "2"]

    assert_report_or_one_error_line(*run_quietly([*argv, "--json"]))


KLINE_FIELD: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(["60000", "59000.5", "0", "-1", "1e999999", "0e99999999", "nan", "²", ""]),
    st.integers(1, 6_000).map(lambda n: "9" * n),
    st.integers(0, 2**70).map(str),
    st.text(max_size=8),
)


def kline_row(minute: int) -> list[str]:
    """Return a valid 1m kline row, ``minute`` minutes after 2021-05-14 13:20 UTC."""
    open_ms = 1_620_000_000_000 + 60_000 * minute
    return [str(open_ms), "60000", "60100", "59900", "60050", "10", str(open_ms + 59_999)]


KLINE_ROW: st.SearchStrategy[list[str]] = st.one_of(
    st.integers(0, 50).map(kline_row),
    st.lists(KLINE_FIELD, min_size=0, max_size=13),
)


@given(
    rows=st.lists(KLINE_ROW, max_size=6),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"PK\x03\x04", b"\xff\xfe"]),
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_kline_file_gives_an_answer_or_one_error_line(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], prefix: bytes, line_end: str
) -> None:
    folder: Path = tmp_path_factory.mktemp("klines")
    path = folder / "klines.csv"
    text = line_end.join(",".join(row) for row in rows)
    path.write_bytes(prefix + text.encode("utf-8", "surrogatepass"))

    result = run_quietly(["probability", "--entry", "60000", "--klines", str(path), "--json"])

    assert_report_or_one_error_line(*result)
