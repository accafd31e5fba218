"""Raw Binance USDⓈ-M websocket captures (``../shared/data/binance-usdm/*.gz``), streamed.

Each line is ``<local receive timestamp> <raw combined-stream message>``; the message is
``{"stream": ..., "data": ...}``. Messages become typed records with raw fixed-point prices:
depth diffs, trades (with Binance's ``X``: MARKET, INSURANCE_FUND, ADL), book tickers and mark
prices, and the REST depth snapshots a capture may hold (a line that is not a stream message).
:class:`DepthBook` rebuilds the book from a snapshot and the diffs after it (a quantity of 0
removes a level).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from liquidator.adapters.input_files import fixed_raw, parse_json

Level = tuple[int, int]  # (price raw, quantity raw)


class CaptureError(ValueError):
    """A capture line that cannot be read: its file, line and what is wrong."""


@dataclass(frozen=True, slots=True)
class DepthUpdate:
    ts_ms: int
    symbol: str
    first_id: int
    last_id: int
    previous_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class DepthSnapshot:
    """A REST ``/fapi/v1/depth`` answer recorded in the capture (``lastUpdateId``)."""

    ts_ms: int
    last_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class Trade:
    ts_ms: int
    symbol: str
    trade_id: int
    price: int
    quantity: int
    kind: str  # MARKET, INSURANCE_FUND or ADL
    buyer_is_maker: bool


@dataclass(frozen=True, slots=True)
class BookTicker:
    ts_ms: int
    symbol: str
    update_id: int
    bid: int
    bid_qty: int
    ask: int
    ask_qty: int


@dataclass(frozen=True, slots=True)
class MarkPrice:
    ts_ms: int
    symbol: str
    mark: int
    index: int
    funding_rate: int
    next_funding_ms: int


Message = DepthUpdate | DepthSnapshot | Trade | BookTicker | MarkPrice


def read_capture(path: Path) -> Iterator[Message]:
    """Yield the capture's messages in file order (unknown streams are skipped)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        yield from parse_lines(stream, str(path))


def parse_lines(lines: Iterable[str], where: str = "capture") -> Iterator[Message]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        _, _, text = line.partition(" ")
        try:
            document = parse_json(text)
            message = (
                parse_message(document["data"]) if "stream" in document else _snapshot(document)
            )
        except (ValueError, KeyError, TypeError) as error:
            raise CaptureError(f"{where}: line {number}: {error}") from None
        if message is not None:
            yield message


def parse_message(data: dict[str, object]) -> Message | None:
    """Return the typed record of one stream payload (None for another kind)."""
    kind = data.get("e")
    if kind == "depthUpdate":
        return DepthUpdate(
            _int(data["E"]),
            str(data["s"]),
            _int(data["U"]),
            _int(data["u"]),
            _int(data["pu"]),
            _levels(data["b"]),
            _levels(data["a"]),
        )
    if kind == "trade":
        return Trade(
            _int(data["T"]),
            str(data["s"]),
            _int(data["t"]),
            fixed_raw(str(data["p"])),
            fixed_raw(str(data["q"])),
            str(data.get("X", "MARKET")),
            bool(data["m"]),
        )
    if kind == "bookTicker":
        return BookTicker(
            _int(data["E"]),
            str(data["s"]),
            _int(data["u"]),
            fixed_raw(str(data["b"])),
            fixed_raw(str(data["B"])),
            fixed_raw(str(data["a"])),
            fixed_raw(str(data["A"])),
        )
    if kind == "markPriceUpdate":
        return MarkPrice(
            _int(data["E"]),
            str(data["s"]),
            fixed_raw(str(data["p"])),
            fixed_raw(str(data["i"])),
            fixed_raw(str(data["r"])),
            _int(data["T"]),
        )
    return None


def _snapshot(document: dict[str, object]) -> DepthSnapshot:
    return DepthSnapshot(
        _int(document["T"]),
        _int(document["lastUpdateId"]),
        _levels(document["bids"]),
        _levels(document["asks"]),
    )


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _levels(value: object) -> tuple[Level, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected price levels, got {value!r}")
    return tuple((fixed_raw(str(p)), fixed_raw(str(q))) for p, q in value)


class DepthBook:
    """A level-2 book rebuilt from depth diffs; ``last_id`` is the last update applied."""

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.last_id = 0

    def reset(self, snapshot: DepthSnapshot) -> None:
        """Start again from a snapshot; diffs it already holds are skipped."""
        self.bids = dict(snapshot.bids)
        self.asks = dict(snapshot.asks)
        self.last_id = snapshot.last_id

    def apply(self, update: DepthUpdate) -> None:
        if update.last_id <= self.last_id:
            return  # older than the snapshot
        for side, levels in ((self.bids, update.bids), (self.asks, update.asks)):
            for price, quantity in levels:
                if quantity == 0:
                    side.pop(price, None)
                else:
                    side[price] = quantity
        self.last_id = update.last_id

    def best_bid(self) -> Level | None:
        if not self.bids:
            return None
        price = max(self.bids)
        return price, self.bids[price]

    def best_ask(self) -> Level | None:
        if not self.asks:
            return None
        price = min(self.asks)
        return price, self.asks[price]
