"""Reading user files and numbers within bounds: the shared readers behind every CLI command."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from liquidator.adapters.input_files import (
    MAX_JSON_DEPTH,
    InputFileError,
    JsonError,
    NumberError,
    csv_rows,
    fixed_raw,
    parse_json,
    printable,
    read_json,
    whole_number,
)


def test_json_nested_exactly_to_the_limit_parses_and_one_more_is_refused() -> None:
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH

    assert parse_json(deepest) is not None
    with pytest.raises(JsonError, match="nested more than 64 deep at line 2"):
        parse_json("\n" + "[" + deepest + "]")


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '{"a": "' + "[" * 1000 + '", "b": "\\"{{{{", "c": [1]}'

    document = parse_json(text)

    assert document["a"] == "[" * 1000
    assert document["c"] == [1]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9" * 65, "a number of 65 digits; the limit is 64"),
        ("0." + "1" * 63, "a number of 65 characters; the limit is 64"),
        ("[NaN]", "NaN is not a number"),
        ('{"a": -Infinity}', "-Infinity is not a number"),
        ("[1,]", "Expecting value at line 1 column 4"),
    ],
)
def test_json_numbers_are_bounded_and_finite(text: str, reason: str) -> None:
    with pytest.raises(JsonError) as refused:
        parse_json(text)

    assert str(refused.value) == reason


def test_json_decimals_are_exact_never_binary_floats() -> None:
    assert str(parse_json('{"p": 0.1}')["p"]) == "0.1"


def test_a_json_file_with_a_byte_order_mark_reads_and_a_binary_one_is_named(
    tmp_path: Path,
) -> None:
    marked = tmp_path / "marked.json"
    marked.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n')
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"a": "\xff"}')

    assert read_json(marked) == {"a": 1}
    with pytest.raises(InputFileError, match=r"binary\.json: is not UTF-8 text \(byte 0xff"):
        read_json(binary)


def test_a_csv_field_over_the_limit_names_the_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("1,2\n3," + "4" * 200_000 + "\n")

    rows = csv_rows(path)

    assert next(rows) == (1, ["1", "2"])
    with pytest.raises(InputFileError, match=r"wide\.csv: row 2: a field is longer than 128 KiB"):
        next(rows)


@pytest.mark.parametrize(
    ("text", "raw"),
    [("60000.5", 6_000_050_000_000), (" 5 ", 500_000_000), ("-0", 0), ("1E+3", 100_000_000_000)],
)
def test_fixed_raw_reads_exact_ascii_decimals(text: str, raw: int) -> None:
    assert fixed_raw(text) == raw


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0e99999999", None),
        ("1e-99999999", "has more than 8 decimal places"),
        ("1e999999", "is out of range (magnitude must be below 1e20)"),
        ("9" * 65, "is too long for a number (at most 64 characters)"),
        ("NaN", "is not a finite number"),
        ("٢٠", "is not a decimal number"),
        ("1_000", "is not a decimal number"),
        ("0x10", "is not a decimal number"),
    ],
)
def test_fixed_raw_refuses_at_once_what_would_be_slow_or_foreign(
    text: str, reason: str | None
) -> None:
    started = time.perf_counter()
    if reason is None:
        assert fixed_raw(text) == 0
    else:
        with pytest.raises(NumberError) as refused:
            fixed_raw(text)
        assert str(refused.value) == reason

    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("²", "is not a whole number (ASCII digits)"),
        ("-3", "is not a whole number (ASCII digits)"),
        ("9" * 19, "is too large (at most 18 digits)"),
    ],
)
def test_whole_numbers_are_ascii_digits_of_bounded_length(text: str, reason: str) -> None:
    with pytest.raises(NumberError) as refused:
        whole_number(text)

    assert str(refused.value) == reason


def test_a_file_name_prints_on_one_line_whatever_its_bytes() -> None:
    assert printable(os.fsdecode(b"a\xff.json")) == "a\\xff.json"
    assert printable("two\nlines.json") == "two\\nlines.json"
    assert printable("\ud800.json") == "\\ud800.json"
    assert printable(Path("plain.json")) == "plain.json"
