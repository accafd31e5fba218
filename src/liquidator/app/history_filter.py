"""The filter Binance's history endpoints share: symbol, a time window, a kind, a row limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


class HistoryRow(Protocol):
    @property
    def symbol(self) -> str: ...

    @property
    def time_ms(self) -> int: ...


Row = TypeVar("Row", bound=HistoryRow)


def select(
    rows: Iterable[Row],
    *,
    symbol: str | None,
    start_ms: int | None,
    end_ms: int | None,
    limit: int,
    keep: Callable[[Row], bool] = lambda _: True,
) -> list[Row]:
    """Return the first ``limit`` of ``rows`` (in their order) that pass every given filter."""
    result: list[Row] = []
    for row in rows:
        if symbol is not None and row.symbol != symbol:
            continue
        if (start_ms is not None and row.time_ms < start_ms) or (
            end_ms is not None and row.time_ms > end_ms
        ):
            continue
        if not keep(row):
            continue
        result.append(row)
        if len(result) >= limit:
            break
    return result
