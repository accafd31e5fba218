"""Request parameters as Binance reads them: from the raw query string and the raw body together.

Clients differ (clients.md A.4): futures-connector signs POST parameters in the query string,
python-binance sends a form body even with DELETE, ccxt uses the body for POST. So every method
reads both, whatever the Content-Type, and the signature is checked over the raw bytes
``query + body`` (``auth``). A JSON object body is accepted too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar
from urllib.parse import parse_qsl

from liquidator.api.errors import ILLEGAL_CHARS, BinanceError, invalid, mandatory
from liquidator.core.fixed import Amount, Fixed, PrecisionError

F = TypeVar("F", bound=Fixed | Amount)
E = TypeVar("E", bound=Enum)

MAX_PARAMETERS = 64


class Params:
    """The merged parameters of one request (the first value of a repeated name wins)."""

    def __init__(self, query: str, body: bytes) -> None:
        self.query = query
        self.body = body
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
        if not value.lstrip("-").isdigit() or len(value) > 20:
            raise invalid(name)
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
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise invalid(name) from None
        if not number.is_finite():
            raise invalid(name)
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


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise BinanceError(ILLEGAL_CHARS, "Illegal characters found in a parameter.") from None


def _body_pairs(body: bytes) -> list[tuple[str, str]]:
    if not body:
        return []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BinanceError(ILLEGAL_CHARS, "Illegal characters found in a parameter.") from None
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError:
            raise BinanceError(ILLEGAL_CHARS, "Illegal characters found in a parameter.") from None
        if not isinstance(document, dict):
            raise BinanceError(ILLEGAL_CHARS, "Illegal characters found in a parameter.")
        return [(str(k), _scalar(v)) for k, v in document.items()]
    return _pairs(stripped)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    raise BinanceError(ILLEGAL_CHARS, "Illegal characters found in a parameter.")
