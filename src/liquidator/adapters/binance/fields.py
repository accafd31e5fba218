"""Reading fields of Binance JSON documents, with errors that name the field and the value.

JSON is parsed with ``parse_float=Decimal``, so no binary float ever holds a price or amount;
documents and numbers are bounded in size before any work (``adapters.input_files``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from liquidator.adapters import input_files
from liquidator.core.money.fixed import Amount, Price, Qty, Rate


class InputError(ValueError):
    """Bad input from a file or a flag; the CLI prints it on one line and exits with status 2."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        shown = f"{_shown(value)} {reason}" if field or value is not None else reason
        super().__init__(f"{field}: {shown}" if field else shown)


def load_json(path: Path, name: str) -> Any:
    """Read and parse the JSON file at ``path`` (``name`` says which option or argument it is).

    The file's size, nesting depth and number lengths are bounded (see ``input_files``).
    """
    try:
        return input_files.read_json(path)
    except input_files.InputFileError as error:
        raise InputError(name, input_files.printable(path), error.reason) from None


def _shown(value: object) -> str:
    """Return ``value`` as JSON on one line, cut short when long (a field may hold anything)."""
    if value is None:
        return "missing"
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(field, value, "must be a JSON object")
    return value


def sequence(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(field, value, "must be a JSON array")
    return value


def required(obj: Mapping[str, Any], key: str, where: str) -> Any:
    field = f"{where}.{key}" if where else key
    if key not in obj or obj[key] is None:
        raise InputError(field, None, "is required")
    return obj[key]


def text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = required(obj, key, where)
    if not isinstance(value, str) or not value.strip():
        raise InputError(_name(where, key), value, "must be a non-empty string")
    return value.strip()


def decimal_raw(value: Any, field: str) -> int:
    """Return the fixed-point raw integer of a decimal given as a JSON string or number."""
    try:
        return input_files.fixed_raw(value)
    except input_files.NumberError as error:
        raise InputError(field, value, str(error)) from None


def price(obj: Mapping[str, Any], key: str, where: str) -> Price:
    field = _name(where, key)
    result = Price(decimal_raw(required(obj, key, where), field))
    if result.raw <= 0:
        raise InputError(field, obj[key], "must be positive")
    return result


def quantity(obj: Mapping[str, Any], key: str, where: str) -> Qty:
    return Qty(decimal_raw(required(obj, key, where), _name(where, key)))


def rate(obj: Mapping[str, Any], key: str, where: str) -> Rate:
    field = _name(where, key)
    result = Rate(decimal_raw(required(obj, key, where), field))
    if result.raw < 0:
        raise InputError(field, obj[key], "must not be negative")
    return result


def amount(obj: Mapping[str, Any], key: str, where: str, asset: str) -> Amount:
    return Amount(decimal_raw(required(obj, key, where), _name(where, key)), asset)


def integer(obj: Mapping[str, Any], key: str, where: str) -> int:
    """Return a whole number given as a JSON integer or a string of digits ("20")."""
    value = required(obj, key, where)
    field = _name(where, key)
    if isinstance(value, bool):
        raise InputError(field, value, "must be a whole number")
    if isinstance(value, int):
        if abs(value) >= 10**input_files.MAX_WHOLE_DIGITS:
            raise InputError(field, value, "is out of range")
        return value
    if isinstance(value, str):
        try:
            return input_files.whole_number(value)
        except input_files.NumberError as error:
            raise InputError(field, value, str(error)) from None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        if value.adjusted() >= input_files.MAX_WHOLE_DIGITS:
            raise InputError(field, value, "is out of range")
        return int(value)
    raise InputError(field, value, "must be a whole number")


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
