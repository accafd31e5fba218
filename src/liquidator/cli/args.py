"""Argument types for the command line: ASCII, finite and within bounds, or argparse's one line.

``int`` and ``float`` as argparse types take ``"٢٠"``, ``"1_0"``, ``"nan"``, ``"inf"`` and numbers
of any length; these do not. A bad value exits with ``liquidator <cmd>: error: argument --x: ...``
and status 2, like every other usage error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from liquidator.adapters.input_files import (
    NumberError,
    decimal_of,
    printable,
    shortened,
    whole_number,
)


def whole(low: int, high: int) -> Callable[[str], int]:
    """Return a type reading a whole number (ASCII digits, an optional ``-``) in [low, high]."""

    def read(text: str) -> int:
        body = text.strip()
        negative = body.startswith("-")
        try:
            value = whole_number(body.removeprefix("-"))
        except NumberError as error:
            raise argparse.ArgumentTypeError(f"{shortened(text)!r} {error}") from None
        value = -value if negative else value
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not within {low}..{high}")
        return value

    return read


def real(low: float, high: float, *, above_low: bool = False) -> Callable[[str], float]:
    """Return a type reading a finite decimal in [low, high] (or (low, high] with ``above_low``)."""

    def read(text: str) -> float:
        value = decimal(text)
        too_low = value <= Decimal(low) if above_low else value < Decimal(low)
        if too_low or value > Decimal(high):
            opening = "(" if above_low else "["
            raise argparse.ArgumentTypeError(
                f"{text.strip()} is not within {opening}{low}, {high}]"
            )
        return float(value)

    return read


def decimal(text: str) -> Decimal:
    """Read a finite decimal written in ASCII (at most 64 characters)."""
    try:
        return decimal_of(text)
    except NumberError as error:
        raise argparse.ArgumentTypeError(f"{shortened(text)!r} {error}") from None


def time_ms(text: str) -> int:
    """Read epoch milliseconds or an ISO 8601 time (UTC unless it says otherwise)."""
    if text.strip().isdigit():
        return _epoch_ms(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        shown = shortened(printable(text))
        raise argparse.ArgumentTypeError(f"{shown!r} is neither epoch ms nor an ISO time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


_epoch_ms = whole(0, 2**63 - 1)
