"""Files and numbers a user hands the command line, read with every size bounded before the work.

- A JSON document: at most 64 MiB, nested at most 64 deep (found by a flat scan, before the
  recursive parser runs), numbers of at most 64 characters, no ``NaN`` or ``Infinity``;
  decimals become :class:`~decimal.Decimal`, never a binary float.
- A CSV file: UTF-8 (a byte-order mark is skipped, CRLF is fine), plain or the first member of
  a zip archive, each field at most 128 KiB (the :mod:`csv` module's limit).
- A number in text: ASCII digits only, at most 64 characters, an exponent that cannot make the
  exact arithmetic behind it run for ever (``0e99999999``, ``1e-99999999``).

Every failure is one :class:`InputFileError` (or :class:`NumberError`) line that names the file
(printable even when the name is not UTF-8 or holds a newline) and says what is wrong.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from liquidator.core.money.fixed import DECIMALS, PrecisionError, parse_raw

MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 64
MAX_NUMBER_CHARS = 64
MAX_WHOLE_DIGITS = 18  # below 2**63: counts, leverages, epoch milliseconds
ZIP_MAGIC = b"PK\x03\x04"

_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = {"nan", "+nan", "-nan", "snan", "inf", "+inf", "-inf", "infinity", "-infinity"}


class InputFileError(ValueError):
    """A file that cannot be used: its printable name and what is wrong with it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{printable(path)}: {reason}")


class NumberError(ValueError):
    """A number that cannot be read; the message is the reason alone (the caller names it)."""


def printable(path: Path | str) -> str:
    """Return ``path`` as one printable line: undecodable bytes as ``\\xff``, controls escaped."""
    text = os.fspath(path)
    with contextlib.suppress(UnicodeEncodeError):  # a surrogate for no byte: escaped below
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def shortened(text: str, limit: int = 40) -> str:
    """Return ``text``, cut to ``limit`` characters with how long it was when longer."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


# JSON documents


class JsonError(ValueError):
    """JSON text that cannot be used; the message says why (and where, when it can)."""


def read_json(path: Path) -> Any:
    """Return the JSON document at ``path``, parsed within the bounds above."""
    text = _read_text(path, MAX_JSON_BYTES)
    if not text.strip():
        raise InputFileError(path, "is empty, not a JSON document")
    try:
        return parse_json(text)
    except JsonError as error:
        raise InputFileError(path, f"is not valid JSON ({error})") from None


def parse_json(text: str) -> Any:
    """Parse JSON ``text`` within the bounds above (decimals as Decimal); raise JsonError."""
    _check_nesting(text)
    try:
        return json.loads(
            text,
            parse_float=_json_decimal,
            parse_int=_json_integer,
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as error:
        raise JsonError(f"{error.msg} at line {error.lineno} column {error.colno}") from None


def _read_text(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise InputFileError(path, "does not exist") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a directory, not a file") from None
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror or error})") from None
    if len(data) > limit:
        raise InputFileError(path, f"is larger than {limit // 2**20} MiB")
    return _decoded(path, data)


def _decoded(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputFileError(path, _not_utf8(error)) from None


def _not_utf8(error: UnicodeDecodeError) -> str:
    byte = error.object[error.start : error.start + 1].hex()
    return f"is not UTF-8 text (byte 0x{byte} at offset {error.start})"


def _check_nesting(text: str) -> None:
    """Refuse text nested deeper than ``MAX_JSON_DEPTH`` (strings are skipped whole)."""
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise JsonError(f"nested more than {MAX_JSON_DEPTH} deep at line {line}")
        elif token in "]}":
            depth -= 1


def _json_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonError(f"a number of {len(text)} characters; the limit is {MAX_NUMBER_CHARS}")
    return Decimal(text)


def _json_integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonError(f"a number of {len(text)} digits; the limit is {MAX_NUMBER_CHARS}")
    return int(text)


def _json_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a number")


# CSV files


def open_text(path: Path) -> io.TextIOBase:
    """Open a plain or zipped (first member) UTF-8 text file for reading."""
    try:
        with open(path, "rb") as probe:
            magic = probe.read(len(ZIP_MAGIC))
    except FileNotFoundError:
        raise InputFileError(path, "does not exist") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a directory, not a file") from None
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror or error})") from None
    if magic == ZIP_MAGIC or zipfile.is_zipfile(path):
        return _zip_member(path)
    return open(path, encoding="utf-8-sig", newline="")


def _zip_member(path: Path) -> io.TextIOBase:
    try:
        archive = zipfile.ZipFile(path)
        members = [info for info in archive.infolist() if not info.is_dir()]
        if not members:
            raise InputFileError(path, "is a zip archive with no file in it")
        binary = archive.open(members[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as error:
        raise InputFileError(path, f"is not a readable zip archive ({error})") from None
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror or error})") from None
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(row number, fields)`` of a CSV file, plain or zipped, streamed."""
    number = 0
    with open_text(path) as stream:
        rows = csv.reader(stream)
        while True:
            number += 1
            try:
                row = next(rows)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError, zipfile.BadZipFile, OSError) as error:
                raise InputFileError(path, _csv_reason(error, number)) from None
            yield number, row


def _csv_reason(error: Exception, number: int) -> str:
    if isinstance(error, UnicodeDecodeError):
        byte = error.object[error.start : error.start + 1].hex()
        return f"is not UTF-8 text (byte 0x{byte} in row {number})"
    if isinstance(error, csv.Error) and "field larger than field limit" in str(error):
        return f"row {number}: a field is longer than {csv.field_size_limit() // 1024} KiB"
    if isinstance(error, zipfile.BadZipFile):
        return f"row {number}: the zip archive is damaged ({error})"
    if isinstance(error, OSError):
        return f"row {number}: cannot be read ({error.strerror or error})"
    return f"row {number}: {error}"


# Numbers in text


def fixed_raw(value: str | int | Decimal) -> int:
    """Return the fixed-point raw integer (10**-8 units) of an exact decimal, bounded first."""
    number = decimal_of(value)
    if number.is_zero():
        return 0
    if number.adjusted() >= 20:
        raise NumberError("is out of range (magnitude must be below 1e20)")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -(DECIMALS + MAX_NUMBER_CHARS):
        raise NumberError(f"has more than {DECIMALS} decimal places")
    try:
        return parse_raw(number)
    except PrecisionError:
        raise NumberError(f"has more than {DECIMALS} decimal places") from None


def fixed_column(text: str, name: str) -> int:
    """Return :func:`fixed_raw` of a CSV column; the error names the column and its value."""
    try:
        return fixed_raw(text)
    except NumberError as error:
        raise NumberError(f"{name} {shortened(text.strip())!r} {error}") from None


def decimal_of(value: str | int | Decimal) -> Decimal:
    """Return a finite decimal from ASCII text, a whole number or a Decimal, bounded in size."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise NumberError('must be a decimal number (a string like "60000.5")')
    if isinstance(value, int):
        if abs(value) >= 10**MAX_NUMBER_CHARS:
            raise NumberError("is out of range (magnitude must be below 1e20)")
        return Decimal(value)
    number = _decimal_text(value.strip()) if isinstance(value, str) else value
    if not number.is_finite():
        raise NumberError("is not a finite number")
    return number


def _decimal_text(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberError(f"is too long for a number (at most {MAX_NUMBER_CHARS} characters)")
    if text.lower() in _NOT_FINITE:
        raise NumberError("is not a finite number")
    if not _DECIMAL.fullmatch(text):
        raise NumberError("is not a decimal number")
    return Decimal(text)


def whole_number(text: str, max_digits: int = MAX_WHOLE_DIGITS) -> int:
    """Return a whole number written in ASCII digits (no sign), at most ``max_digits`` long."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit():
        raise NumberError("is not a whole number (ASCII digits)")
    if len(digits) > max_digits:
        raise NumberError(f"is too large (at most {max_digits} digits)")
    return int(digits)
