r"""Request parameters as Binance reads them: from the raw query string and the raw body together.

Clients differ (clients.md A.4): futures-connector signs POST parameters in the query string,
python-binance sends a form body even with DELETE, ccxt uses the body for POST. So every method
reads both, whatever the Content-Type, and the signature is checked over the raw bytes
``query + body`` (``auth``). A flat JSON object body is accepted too.

Numbers are ASCII decimals, as Binance's own patterns say: an integer is ``-?[0-9]{1,20}``, a
decimal ``-?[0-9]{1,20}(\.[0-9]{1,20})?`` (Binance writes ``^[0-9]{1,20}$`` and
``^([0-9]{1,20})(\.[0-9]{1,20})?$``; a sign is let through here so that the range checks answer
a negative amount as before). Anything else (other scripts' digits, superscripts, ``1e3``,
``0.00_2``, spaces, 21 digits) is -1100 "Illegal characters found in parameter 'x'; legal range
is '...'", before any conversion: no value reaches ``int()`` or ``Decimal()`` unchecked. A JSON
body is checked for nesting before it is parsed (only a flat object is accepted, so nothing
recurses), and its numbers stay text, so a 5000-digit literal is refused by the same pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from liquidator.api.errors import ILLEGAL_CHARS, BinanceError, invalid, mandatory
from liquidator.core.money.fixed import Amount, Fixed, PrecisionError

F = TypeVar("F", bound=Fixed | Amount)
E = TypeVar("E", bound=Enum)

MAX_PARAMETERS = 64
TOO_MANY_PARAMETERS = -1101
INTEGER = re.compile(r"-?[0-9]{1,20}")
DECIMAL = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,20})?")
INTEGER_RANGE = "^-?[0-9]{1,20}$"
DECIMAL_RANGE = "^-?([0-9]{1,20})(\\.[0-9]{1,20})?$"
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
MAX_ID_DIGITS = 20


class Params:
    """The merged parameters of one request (the first value of a repeated name wins)."""

    def __init__(self, query: str, body: bytes) -> None:
        self.query = query
        self.body = body
        self.signed_payload: bytes | None = None  # what was signed, when not query + body
        self.values: dict[str, str] = {}
        pairs = _pairs(query) + _body_pairs(body)
        if len(pairs) > MAX_PARAMETERS:
            raise BinanceError(-1101, "Too many parameters sent for this endpoint.")
        for name, value in pairs:
            self.values.setdefault(name, value)

    def __contains__(self, name: str) -> bool:
        return bool(self.values.get(name))

    def text(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise mandatory(name)
            return default
        return value

    def need(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return default
        if not INTEGER.fullmatch(value):
            raise illegal(name, INTEGER_RANGE)
        return int(value)

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise invalid(name)
        return lowered == "true"

    def fixed(self, name: str, kind: Callable[[str], F], *, required: bool = False) -> F | None:
        """Read an exact decimal (``Price.of``, ``Qty.of``...); too many decimals is -1111."""
        value = self.text(name, required=required)
        if value is None:
            return None
        if not DECIMAL.fullmatch(value):
            raise illegal(name, DECIMAL_RANGE)
        try:
            return kind(value)
        except PrecisionError:
            raise BinanceError(
                -1111, "Precision is over the maximum defined for this asset."
            ) from None
        except (ValueError, TypeError, ArithmeticError):
            raise invalid(name) from None

    def choice(
        self, name: str, kind: type[E], *, required: bool = False, default: E | None = None
    ) -> E | None:
        value = self.text(name, required=required)
        if value is None:
            return default
        try:
            return kind(value.upper() if value.upper() in kind.__members__ else value)
        except ValueError:
            raise invalid(name) from None


def illegal(name: str, legal: str) -> BinanceError:
    """Binance's -1100 for a value outside a parameter's pattern."""
    return BinanceError(
        ILLEGAL_CHARS, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
    )


def load_json(text: str, max_containers: int, *, numbers_as_text: bool = False) -> Any:
    """Parse ``text`` holding at most ``max_containers`` objects and arrays (so at most that
    deep: the parser never recurses further); integers longer than 20 digits are refused, or
    with ``numbers_as_text`` every number is kept as its literal text. Raise ValueError."""
    bare = JSON_STRING.sub("", text)
    if bare.count("{") + bare.count("[") > max_containers:
        raise ValueError("JSON nested deeper than allowed")
    number = _literal if numbers_as_text else _bounded_int
    return json.loads(
        text,
        parse_int=number,
        parse_float=_literal if numbers_as_text else float,
        parse_constant=_literal,
    )


class _Literal(str):
    """A JSON number kept as the text it was written as."""


def _literal(text: str) -> str:
    return _Literal(text)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_ID_DIGITS:
        raise ValueError("integer too long")
    return int(text)


def _illegal_chars() -> BinanceError:
    return BinanceError(ILLEGAL_CHARS, "Illegal characters found in a parameter.")


def _pairs(text: str) -> list[tuple[str, str]]:
    """The name-value pairs of a query or form body, as ``parse_qsl`` reads them (blank values
    kept, ``&`` between pairs, UTF-8 escapes, ``+`` a space)."""
    if "%" not in text and "+" not in text:  # nothing to unquote: parse_qsl's pairs, faster
        if text.count("&") >= MAX_PARAMETERS:
            raise _too_many()
        return [
            (name, value) for name, _, value in (p.partition("=") for p in text.split("&") if p)
        ]
    try:
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except UnicodeDecodeError:
        raise _illegal_chars() from None
    except ValueError:  # more fields than MAX_PARAMETERS
        raise _too_many() from None


def _too_many() -> BinanceError:
    return BinanceError(TOO_MANY_PARAMETERS, "Too many parameters sent for this endpoint.")


def _body_pairs(body: bytes) -> list[tuple[str, str]]:
    if not body:
        return []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _illegal_chars() from None
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = load_json(stripped, 1, numbers_as_text=True)
        except ValueError:
            raise _illegal_chars() from None
        if not isinstance(document, dict):
            raise _illegal_chars()
        return [(str(k), _scalar(v)) for k, v in document.items()]
    return _pairs(stripped)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    raise _illegal_chars()
