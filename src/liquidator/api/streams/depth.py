"""The diff depth stream a client can keep a book with, and the partial depth streams.

Binance's procedure ("How to manage a local order book correctly"): buffer ``<symbol>@depth``,
get ``GET /fapi/v1/depth`` (its ``lastUpdateId``), drop events with ``u`` < ``lastUpdateId``,
start at the event with ``U`` <= ``lastUpdateId`` <= ``u``, then check that each event's ``pu``
is the previous event's ``u``. Every level whose total quantity changed is sent, ``"0.000"``
for one that left the book.

The ids are the journal's command sequence (``exchange.seq``), which the REST snapshot also
gives: an event covers the commands after its ``pu`` up to its ``u``. Its ``U`` is its ``pu``
(not ``pu + 1``): on a quiet book a snapshot's ``lastUpdateId`` can equal the last event's
``u`` with no later command changing the book, and the next event must still pass the
documented ``U <= lastUpdateId <= u``. Levels are absolute quantities, so the one id of overlap
changes nothing a client applies. A :class:`DepthFeed` holds
the book as last seen (``shadow``) and, per update speed, the prices changed since that speed's
last event; a speed's event is sent on its clock (``0`` ms: after every command). The partial
streams (``@depth5|10|20``) send the top levels on the same clock with the same ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from liquidator.api.streams.decimals import SymbolDecimals
from liquidator.core.exchange.book import Book, BookSide

DEFAULT_SPEED_MS = 250  # "<symbol>@depth" without a speed: 250 ms
SPEEDS_MS = (0, 100, 250, 500)
PARTIAL_LEVELS = (5, 10, 20)
DEPTH_NAME = re.compile(r"^([a-z0-9_]+)@depth(5|10|20)?(?:@(0|100|250|500)ms)?$")


@dataclass(frozen=True, slots=True)
class DepthStream:
    """A parsed depth stream name: symbol (upper case), levels (None: diffs), speed."""

    symbol: str
    levels: int | None
    speed_ms: int


def parse_depth(key: str) -> DepthStream | None:
    """Read a lower-cased stream name as a depth stream, or None if it is not one."""
    match = DEPTH_NAME.match(key)
    if match is None:
        return None
    symbol, levels, speed = match.groups()
    return DepthStream(
        symbol.upper(),
        int(levels) if levels else None,
        int(speed) if speed is not None else DEFAULT_SPEED_MS,
    )


def depth_key(symbol: str, levels: int | None, speed_ms: int) -> str:
    """The canonical (lower-case) key of a depth stream; the default speed has no suffix."""
    suffix = "" if speed_ms == DEFAULT_SPEED_MS else f"@{speed_ms}ms"
    return f"{symbol.lower()}@depth{levels or ''}{suffix}"


def _levels(side: BookSide) -> dict[int, int]:
    return dict(side.levels_best_first())


@dataclass
class SpeedChannel:
    """What one update speed has not sent yet: changed prices since its last ``u``."""

    last_u: int
    bids: set[int] = field(default_factory=set)
    asks: set[int] = field(default_factory=set)


@dataclass
class DepthFeed:
    """One symbol's book as last seen, and the pending changes of each speed in use."""

    symbol: str
    decimals: SymbolDecimals
    bids: dict[int, int]
    asks: dict[int, int]
    channels: dict[int, SpeedChannel] = field(default_factory=dict)

    @classmethod
    def of(cls, book: Book, decimals: SymbolDecimals) -> DepthFeed:
        return cls(book.symbol, decimals, _levels(book.bids), _levels(book.asks))

    def channel(self, speed_ms: int, seq: int) -> SpeedChannel:
        """The channel of ``speed_ms``, opened at ``seq`` when first asked for."""
        found = self.channels.get(speed_ms)
        if found is None:
            found = self.channels[speed_ms] = SpeedChannel(seq)
        return found

    def observe(self, book: Book) -> bool:
        """Compare the book with the shadow; note every changed price for every speed."""
        bids, asks = _levels(book.bids), _levels(book.asks)
        changed_bids = _changed(self.bids, bids)
        changed_asks = _changed(self.asks, asks)
        self.bids, self.asks = bids, asks
        if not changed_bids and not changed_asks:
            return False
        for channel in self.channels.values():
            channel.bids |= changed_bids
            channel.asks |= changed_asks
        return True

    def diff_event(self, speed_ms: int, seq: int, now_ms: int) -> dict[str, Any] | None:
        """The diff event of ``speed_ms`` covering its changes up to ``seq``, or None."""
        channel = self.channels.get(speed_ms)
        if channel is None or not (channel.bids or channel.asks):
            return None
        event = self._event(channel.last_u, seq, now_ms)
        event["b"] = self.decimals.levels(
            [(p, self.bids.get(p, 0)) for p in sorted(channel.bids, reverse=True)]
        )
        event["a"] = self.decimals.levels([(p, self.asks.get(p, 0)) for p in sorted(channel.asks)])
        channel.last_u = seq
        channel.bids, channel.asks = set(), set()
        return event

    def partial_event(self, levels: int, pu: int, seq: int, now_ms: int) -> dict[str, Any]:
        """The top ``levels`` of each side, with the ids of the diff event sent beside it."""
        event = self._event(pu, seq, now_ms)
        event["b"] = self.decimals.levels(sorted(self.bids.items(), reverse=True)[:levels])
        event["a"] = self.decimals.levels(sorted(self.asks.items())[:levels])
        return event

    def _event(self, pu: int, u: int, now_ms: int) -> dict[str, Any]:
        return {
            "e": "depthUpdate",
            "E": now_ms,
            "T": now_ms,
            "s": self.symbol,
            "U": pu,
            "u": u,
            "pu": pu,
        }


def _changed(before: dict[int, int], after: dict[int, int]) -> set[int]:
    """Prices whose quantity differs between two views of a side (gone ones included)."""
    changed = {p for p, q in after.items() if before.get(p) != q}
    changed.update(p for p in before if p not in after)
    return changed
