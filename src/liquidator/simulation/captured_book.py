"""A capture's own order book, second by second: the frames a replay mirrors as its liquidity.

A websocket capture's ``depthUpdate`` diffs (and any REST depth snapshot in it) rebuild each
symbol's level-2 book (``adapters/marketdata/capture.DepthBook``). At every whole second ``T``
the diffs reach, the frame of ``T`` is the book made of every message received before ``T``
(event time ``E < T``; no look-ahead), cut to its ``levels`` best prices per side, quantities as
captured (raw fixed point, parsed from the decimal text). A frame is kept only when it differs
from the symbol's previous one; the last diffs give a frame at the second after them.

A capture of diffs alone (no snapshot, as in ``../shared/data/binance-usdm``) holds only the
levels that changed since it began: each level held is the real one, but a level untouched
since the start is missing, so the first seconds are thin. A gap in the update ids (``pu`` not
the previous ``u``) is counted in :attr:`FrameRecorder.gaps` (none in the shared captures).

An earlier capture of the same stream can warm the book (``--book-warmup``: the 2023-04-04
file, which opens with a REST snapshot, ends where the 2023-04-05 file's diffs begin): its depth
messages are folded in first, the capture's first diff must follow its last one (its ``pu`` is
the warm-up's last ``u``: no gap, no overlap), and of its frames only the last before the
capture begins is kept.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

from liquidator.adapters.marketdata.capture import (
    DepthBook,
    DepthSnapshot,
    DepthUpdate,
    Level,
    Message,
)

SECOND_MS = 1_000
#: The most levels per side a frame keeps (Binance's MAX_NUM_ORDERS is 200 a symbol).
MAX_LEVELS = 100


@dataclass(frozen=True, slots=True)
class BookFrame:
    """A symbol's captured book at ``ms``: ``(price raw, quantity raw)`` levels, best first."""

    ms: int
    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


@dataclass(slots=True)
class _SymbolBook:
    book: DepthBook = field(default_factory=DepthBook)
    second: int = -1  # the second of the last message applied
    shown: tuple[tuple[Level, ...], tuple[Level, ...]] = ((), ())
    previous_id: int | None = None


class FrameRecorder:
    """Fold a capture's depth messages, in file order, into one-second :class:`BookFrame` s."""

    def __init__(self, levels: int = MAX_LEVELS) -> None:
        if not 1 <= levels <= MAX_LEVELS:
            raise ValueError(f"book levels must be in 1..{MAX_LEVELS}, got {levels}")
        self.levels = levels
        self.frames: list[BookFrame] = []
        self.gaps = 0
        self._books: dict[str, _SymbolBook] = {}
        self._snapshot: DepthSnapshot | None = None  # one before any diff says its symbol
        self._warmed: dict[str, int] = {}  # symbol -> the warm-up's last update id, unchecked
        self._warm_name = self._into = ""
        self._start_ms: int | None = None  # the capture's first message (after any warm-up)

    def warm(self, messages: Iterable[Message], name: str, into: str = "the capture") -> None:
        """Fold an earlier capture's (``name``) depth messages in before those of ``into``."""
        for message in messages:
            if isinstance(message, DepthUpdate | DepthSnapshot):
                self.add(message)
        self._warmed = {symbol: state.book.last_id for symbol, state in self._books.items()}
        self._warm_name, self._into = name, into

    def add(self, message: DepthUpdate | DepthSnapshot) -> None:
        """Apply one message; first close the seconds it starts (their frames before it)."""
        if isinstance(message, DepthSnapshot):
            if not self._books:
                self._snapshot = message
            for symbol, state in self._books.items():  # a capture holds one symbol's
                self._advance(state, message.ts_ms, symbol)
                state.book.reset(message)
                state.previous_id = None  # the next diff straddles the snapshot's id
            return
        if self._start_ms is None and self._warm_name:
            self._start_ms = message.ts_ms
        self._check_follows(message)
        if message.symbol not in self._books:
            self._books[message.symbol] = _SymbolBook()
            if self._snapshot is not None:
                self._books[message.symbol].book.reset(self._snapshot)
        state = self._books[message.symbol]
        self._advance(state, message.ts_ms, message.symbol)
        fresh = message.last_id > state.book.last_id
        if fresh and state.previous_id is not None and message.previous_id != state.previous_id:
            self.gaps += 1
        state.book.apply(message)
        state.previous_id = state.book.last_id

    def _check_follows(self, message: DepthUpdate) -> None:
        """Refuse (ValueError) a capture whose first diff does not follow the warm-up's last."""
        last = self._warmed.pop(message.symbol, None)
        if last is None:
            return
        if message.previous_id != last:
            raise ValueError(
                f"{self._warm_name} does not lead into {self._into}: its {message.symbol} depth "
                f"ends at update {last}, {self._into}'s next diff follows {message.previous_id}"
            )

    def finish(self) -> list[BookFrame]:
        """Close the last second of each symbol; return every frame in time order (of a
        warm-up's, only the last before the capture begins)."""
        for symbol, state in sorted(self._books.items()):
            if state.second >= 0:
                self._emit(state, symbol, state.second + SECOND_MS)
        self.frames.sort(key=lambda frame: (frame.ms, frame.symbol))
        start = self._start_ms
        if start is not None:
            before = {frame.symbol: frame for frame in self.frames if frame.ms <= start}
            after = [frame for frame in self.frames if frame.ms > start]
            self.frames = sorted([*before.values(), *after], key=lambda f: (f.ms, f.symbol))
        return self.frames

    def _advance(self, state: _SymbolBook, ts_ms: int, symbol: str) -> None:
        second = ts_ms - ts_ms % SECOND_MS
        if state.second >= 0 and second > state.second:  # the book as the second ended
            self._emit(state, symbol, state.second + SECOND_MS)
        state.second = max(state.second, second)

    def _emit(self, state: _SymbolBook, symbol: str, ms: int) -> None:
        book = state.book
        bids = tuple((p, book.bids[p]) for p in heapq.nlargest(self.levels, book.bids))
        asks = tuple((p, book.asks[p]) for p in heapq.nsmallest(self.levels, book.asks))
        if (bids, asks) != state.shown:
            state.shown = (bids, asks)
            self.frames.append(BookFrame(ms, symbol, bids, asks))


def frame_at(frames: list[BookFrame], symbol: str, ms: int) -> BookFrame | None:
    """Return ``symbol``'s frame in force at ``ms`` (the last one at or before it), or None."""
    found = None
    for frame in frames:
        if frame.ms > ms:
            break
        if frame.symbol == symbol:
            found = frame
    return found
