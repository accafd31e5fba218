"""Reading fields of Binance JSON documents, with errors that name the field and the value.

JSON is parsed with ``parse_float=Decimal``, so no binary float ever holds a price or amount.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from liquidator.core.fixed import Amount, PrecisionError, Price, Qty, Rate, parse_raw


class InputError(ValueError):
    """Bad input from a file or a flag; the CLI prints it on one line and exits with status 2."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        shown = json.dumps(value, default=str) if value is not None else "missing"
        super().__init__(f"{field}: {shown} {reason}" if field else f"{shown} {reason}")


def load_json(path: Path, name: str) -> Any:
    """Read and parse the JSON file at ``path`` (``name`` says which option or argument it is)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(name, str(path), "does not exist") from None
    except IsADirectoryError:
        raise InputError(name, str(path), "is a directory, not a JSON file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(name, str(path), f"cannot be read ({error.__class__.__name__})") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise InputError(name, str(path), f"is not valid JSON ({error.msg} at {where})") from None


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number", name, 0)


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
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InputError(field, value, 'must be a decimal number (a string like "60000.5")')
    try:
        return parse_raw(value)
    except PrecisionError:
        raise InputError(field, value, "has more than 8 decimal places") from None
    except ValueError as error:
        raise InputError(field, value, _reason(error, value)) from None


def _reason(error: ValueError, value: Any) -> str:
    message = str(error)
    prefix = repr(value.strip() if isinstance(value, str) else value)
    return message[len(prefix) :].strip() if message.startswith(prefix) else message


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
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise InputError(field, value, "must be a whole number")


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
