"""The files of one replay, checked before anything runs: kinds, symbols, windows.

Each price file is sniffed (``adapters/marketdata/file_kind``): klines, trades, aggTrades or a
websocket capture; its symbol is the one its name or content gives, else ``--symbol``, else
BTCUSDT (one file). A file of another kind, of another symbol than ``--symbol``, a second file of
a symbol already priced, a symbol the market does not list, or a mark, index or funding file of
no replayed symbol or of another time than the prices is refused with one line (a ValueError
that names the file), before the replay starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from liquidator.adapters.input_files import printable
from liquidator.adapters.marketdata.file_kind import PRICE_KINDS, FileKind, check_kind
from liquidator.adapters.marketdata.funding_file import read_funding
from liquidator.adapters.marketdata.open_interest import read_open_interest
from liquidator.bootstrap import bundled_market
from liquidator.simulation.captured_book import MAX_LEVELS
from liquidator.simulation.feeds import (
    STEP_MS,
    Feed,
    capture_feed,
    kline_feed,
    path_of,
    trades_feed,
)

DEFAULT_SYMBOL = "BTCUSDT"


def read_feed(
    paths: list[Path],
    symbol: str | None,
    step_ms: int = STEP_MS,
    book_levels: int = MAX_LEVELS,
    warmups: Sequence[Path] = (),
) -> Feed:
    """Read the price files of ``paths`` into one feed (several symbols replayed together);
    a capture's book to its ``book_levels`` best levels a side (0: not read), warmed by the
    earlier captures of its symbol among ``warmups``."""
    wanted = symbol.upper() if symbol else None
    listed = bundled_market().instruments
    feed = Feed()
    priced: dict[str, Path] = {}
    warming = _warmups_by_symbol(warmups) if book_levels else {}
    for path in paths:
        found = check_kind(path, PRICE_KINDS, "a price file")
        own = _symbol_of(path, found, wanted, len(paths))
        if own not in listed:
            raise ValueError(f"{printable(path.name)}: {printable(own)} is not a listed symbol")
        if own in priced:
            raise ValueError(
                f"{printable(path.name)} and {printable(priced[own].name)} both price "
                f"{printable(own)}: give one price file per symbol"
            )
        priced[own] = path
        if found.kind != "capture" and own in warming:
            raise ValueError(f"{printable(path.name)} is no capture: --book-warmup needs one")
        part = _read(path, found.kind, own, step_ms, book_levels, warming.pop(own, []))
        if not part.ticks and not part.marks:
            raise ValueError(f"{printable(path.name)}: holds no {own} prices")
        feed.add(part)
    for own, files in warming.items():
        raise ValueError(
            f"{printable(files[0].name)} is {printable(own)}'s capture: no price file of "
            f"{printable(own)} is replayed"
        )
    return feed


def _warmups_by_symbol(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """Return the ``--book-warmup`` captures by the symbol their content gives."""
    found: dict[str, list[Path]] = {}
    for path in paths:
        kind = check_kind(path, ("capture",), "--book-warmup")
        if kind.symbol is None:
            raise ValueError(f"{printable(path.name)}: its messages do not say their symbol")
        found.setdefault(kind.symbol, []).append(path)
    return found


def _read(
    path: Path, kind: str, symbol: str, step_ms: int, book_levels: int, warmups: list[Path]
) -> Feed:
    if kind == "klines":
        return kline_feed(path, symbol, step_ms)
    if kind == "capture":
        part = capture_feed(path, book_levels, warmups)
        others = [s for s in part.symbols if s != symbol]
        if others:
            raise ValueError(
                f"{printable(path.name)} holds {', '.join(part.symbols)}: one symbol per capture"
            )
        return part
    return trades_feed(path, symbol)


def _symbol_of(path: Path, found: FileKind, wanted: str | None, files: int) -> str:
    if found.symbol is not None:
        if wanted is not None and found.symbol != wanted:
            raise ValueError(
                f"{printable(path.name)} prices {printable(found.symbol)}, not "
                f"{printable(wanted)} (give --symbol {printable(found.symbol)})"
            )
        return found.symbol
    if wanted is not None:
        return wanted
    if files > 1:
        raise ValueError(
            f"{printable(path.name)}: its name does not say its symbol (name it as Binance does, "
            "SYMBOL-1m-..., or replay it alone with --symbol)"
        )
    return DEFAULT_SYMBOL


def add_companions(
    feed: Feed,
    marks: list[Path],
    indexes: list[Path],
    funding: list[Path],
    step_ms: int = STEP_MS,
) -> None:
    """Add the ``--mark``, ``--index`` and ``--funding`` files of the replayed symbols (a
    ``--mark`` or ``--index`` file replaces the marks or indexes a capture of its symbol gave)."""
    for paths, series, role in ((marks, feed.marks, "mark"), (indexes, feed.indexes, "index")):
        for path in paths:
            symbol = _companion_symbol(path, feed, role, ("klines",))
            added = path_of(path, symbol, step_ms)
            own = [ms for ms, s, _ in feed.ticks if s == symbol]
            if own and (added[-1][0] < own[0] or added[0][0] > own[-1]):
                raise ValueError(
                    f"{printable(path.name)} covers another time than {printable(symbol)}'s prices"
                )
            series[:] = [item for item in series if item[1] != symbol]  # a capture's own
            series.extend(added)
    for path in funding:
        symbol = _companion_symbol(path, feed, "funding", ("fundingRate",))
        feed.funding += [(ms, symbol, rate) for ms, rate in read_funding(path)]
    for items in (feed.marks, feed.indexes, feed.funding):
        items.sort(key=lambda item: (item[0], item[1]))


def _companion_symbol(path: Path, feed: Feed, role: str, kinds: tuple[str, ...]) -> str:
    """Return the replayed symbol a ``--mark``, ``--index`` or ``--funding`` file belongs to."""
    found = check_kind(path, kinds, f"--{role}")
    symbol = found.symbol
    if symbol is None:
        if len(feed.symbols) != 1:
            raise ValueError(
                f"{printable(path.name)}: its name does not say its symbol and "
                f"{', '.join(feed.symbols)} are replayed"
            )
        symbol = feed.symbols[0]
    if symbol not in feed.symbols:
        raise ValueError(
            f"{printable(path.name)} is {printable(symbol)}'s {role}, not "
            f"{'/'.join(feed.symbols)}'s"
        )
    return symbol


def open_interest_paths(
    paths: list[Path], symbols: list[str]
) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
    """Read ``--open-interest`` files: one path per replayed symbol (its name or content's)."""
    found: dict[str, tuple[tuple[int, int], ...]] = {}
    for path in paths:
        kind = check_kind(path, ("metrics", "openInterestHist"), "--open-interest")
        symbol = kind.symbol or (symbols[0] if len(symbols) == 1 else None)
        if symbol is None or symbol not in symbols:
            raise ValueError(
                f"{printable(path.name)} is {printable(str(symbol))}'s open interest, not "
                f"{'/'.join(symbols)}'s"
            )
        found[symbol] = tuple(read_open_interest(path, symbol))
    return tuple(sorted(found.items()))
