"""Compact JSON text as the journal writes it: exactly ``json.dumps`` with compact separators.

:func:`compact` takes any JSON value. ``json.dumps`` builds a new C encoder on every call, about
0.8 µs of each journal record's two texts; this builds CPython's encoder once, with the same
settings (ASCII output, no circular check: the journal's values are trees of lists, dicts and
scalars), and falls back to ``json`` where the C encoder is missing. The text is the same.

:func:`compact_record` takes the journal's own values (commands and events as the codec writes
them: lists, tuples, dicts with string keys, strings, integers, booleans, None; never a float,
since money never is one) and, where orjson is installed, encodes them with it: twice as fast
on a record's texts (1.8 against 4.0 µs for a matching workload's events). It keeps orjson's
text only when that text is what ``json`` writes: orjson refuses integers beyond 64 bits, dict
keys that are not strings and lone surrogates, and writes non-ASCII characters and DEL (0x7f)
raw where ``json`` escapes them; any of these sends the value to :func:`compact` (a list only
its refused items: 3% of the matching workload's records hold a figure past 64 bits, a BTC
position's cost, in one or two of their events). Every other character both escape
alike (``\\n``, ``\\u001f``, ``\\"``), so the journal's bytes do not depend on whether orjson
is there (``tests/property/test_journal_encoding.py``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

_PLAIN = json.JSONEncoder(separators=(",", ":"))
_make = getattr(_encoder, "c_make_encoder", None)
_C_ENCODE = (
    _make(
        None, _PLAIN.default, _encoder.encode_basestring_ascii, None, ":", ",", False, False, True
    )
    if _make is not None
    else None
)


def compact(value: Any) -> str:
    """Return ``json.dumps(value, separators=(",", ":"))``, faster."""
    if _C_ENCODE is None or isinstance(value, str):
        return _PLAIN.encode(value)
    return "".join(_C_ENCODE(value, 0))


def _orjson_dumps() -> tuple[Callable[..., bytes], int, type[Exception]] | None:
    """Return orjson's ``dumps``, its options and its error type; None without orjson."""
    try:
        orjson = importlib.import_module("orjson")
    except ImportError:
        return None
    # Passed through to default=None, which refuses them: json writes a str subclass's text, not
    # its value, and refuses dataclasses and dates; compact() then does exactly what json does.
    options = (
        orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_DATETIME
    )
    return orjson.dumps, options, orjson.JSONEncodeError


_FAST = _orjson_dumps()
#: Whether :func:`compact_record` has orjson to encode with.
HAS_ORJSON = _FAST is not None


def compact_record(value: Any) -> str:
    """Return ``compact(value)`` for a journal value (no floats), with orjson where it can."""
    if _FAST is None:
        return compact(value)
    dumps, options, refused = _FAST
    try:
        text = dumps(value, None, options).decode()  # orjson writes UTF-8
    except refused:  # a big integer, a key that is not a string, a lone surrogate, ...
        return _items_apart(value, _FAST) if type(value) is list else compact(value)
    # Printable ASCII only: json escapes every other character as \uXXXX, orjson not all.
    # (A str knows whether it is ASCII: isascii() reads a flag, and "in" is a memchr.)
    if text.isascii() and "\x7f" not in text:
        return text
    return compact(value)


def _items_apart(items: list[Any], fast: tuple[Callable[..., bytes], int, type[Exception]]) -> str:
    """Return ``compact(items)`` for a list orjson refused, written an item at a time.

    ``json`` writes a list as ``[`` + its items' texts joined by ``,`` + ``]``: so only the
    items orjson refuses (an event row with an integer past 64 bits: a BTC position's cost in
    10**-16 units) go to the slower encoder, not the whole record with them.
    """
    dumps, options, refused = fast
    texts: list[str] = []
    for item in items:
        try:
            text = dumps(item, None, options).decode()
        except refused:
            text = compact(item)
        else:
            if not text.isascii() or "\x7f" in text:
                text = compact(item)
        texts.append(text)
    return "[" + ",".join(texts) + "]"
