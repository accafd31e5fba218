"""Which symbols' depth is watched, and when each update speed sends (``depth``: the events).

A symbol is tracked while a depth stream of it has a subscriber: its :class:`DepthFeed` is made
from the book at the first subscription and dropped with the last. After every command the
feeds of the symbols it touched compare the book with their shadow (the ``0`` ms speed sends at
once); the clock sends each other speed's event when it is due (:meth:`DepthPublisher.tick`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from liquidator.api.streams.decimals import symbol_decimals
from liquidator.api.streams.depth import (
    PARTIAL_LEVELS,
    DepthFeed,
    DepthStream,
    depth_key,
    parse_depth,
)
from liquidator.core.exchange.venue import Venue

Emit = Callable[[str, dict[str, Any]], None]


class DepthPublisher:
    """The depth feeds of one hub, kept for the depth streams someone listens to."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.feeds: dict[str, DepthFeed] = {}
        self.listeners: dict[str, int] = {}  # stream key -> subscriber count

    def track(self, key: str, seq: int) -> None:
        """Count a subscriber of ``key``; open its symbol's feed and speed on first use."""
        stream = parse_depth(key)
        if stream is None or stream.symbol not in self.venue.symbols:
            return
        self.listeners[key] = self.listeners.get(key, 0) + 1
        feed = self.feeds.get(stream.symbol)
        if feed is None:
            state = self.venue.symbols[stream.symbol]
            feed = DepthFeed.of(state.book, symbol_decimals(state.instrument))
            self.feeds[stream.symbol] = feed
        feed.channel(stream.speed_ms, seq)

    def untrack(self, key: str) -> None:
        """Forget one subscriber of ``key``; close the speed and feed no one listens to."""
        count = self.listeners.get(key)
        stream = parse_depth(key)
        if count is None or stream is None:
            return
        if count > 1:
            self.listeners[key] = count - 1
            return
        del self.listeners[key]
        if not any(self._is_speed(k, stream) for k in self.listeners):
            feed = self.feeds.get(stream.symbol)
            if feed is not None:
                feed.channels.pop(stream.speed_ms, None)
                if not feed.channels:
                    del self.feeds[stream.symbol]

    @staticmethod
    def _is_speed(key: str, stream: DepthStream) -> bool:
        other = parse_depth(key)
        return other is not None and (other.symbol, other.speed_ms) == (
            stream.symbol,
            stream.speed_ms,
        )

    def after_command(self, symbols: Iterable[str], seq: int, now_ms: int, emit: Emit) -> None:
        """Note what the command changed in the tracked books; send the 0 ms speed."""
        for symbol in symbols:
            feed = self.feeds.get(symbol)
            if feed is not None and feed.observe(self.venue.symbols[symbol].book):
                self._send(feed, 0, seq, now_ms, emit)

    def tick(self, speed_ms: int, seq: int, now_ms: int, emit: Emit) -> None:
        """Send every feed's pending event of ``speed_ms`` (its clock is due)."""
        for feed in list(self.feeds.values()):
            self._send(feed, speed_ms, seq, now_ms, emit)

    def _send(self, feed: DepthFeed, speed_ms: int, seq: int, now_ms: int, emit: Emit) -> None:
        channel = feed.channels.get(speed_ms)
        if channel is None:
            return
        pu = channel.last_u
        event = feed.diff_event(speed_ms, seq, now_ms)
        if event is None:
            return
        emit(depth_key(feed.symbol, None, speed_ms), event)
        for levels in PARTIAL_LEVELS:
            key = depth_key(feed.symbol, levels, speed_ms)
            if key in self.listeners:
                emit(key, feed.partial_event(levels, pu, seq, now_ms))
