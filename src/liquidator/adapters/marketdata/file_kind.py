"""Tell what a market-data file is, and of which symbol, before reading it.

Binance's public files and captures say what they are in their first bytes and line: a gzip
stream of ``<receive ts> {"stream": ...}`` lines is a websocket capture (its symbol in ``s``); a
CSV row of 12 fields is a kline (trade, mark-price or index-price klines share the layout), 6 a
``trades`` row, 7 an ``aggTrades`` row, 3 a ``fundingRate`` row (``calc_time``), 8 a ``metrics``
row (``create_time, symbol, sum_open_interest, ...``); a JSON array of objects with
``sumOpenInterest`` is ``GET /futures/data/openInterestHist``. The symbol comes from the file's
name (``BTCUSDT-1m-2021-05.csv``) or its content, whichever says it; None when neither does.
"""

from __future__ import annotations

import gzip
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from liquidator.adapters.input_files import InputFileError

NAMED = re.compile(
    r"^([A-Z0-9]{2,20})-(?:\d+[smhdwM]|fundingRate|trades|aggTrades|metrics|openInterestHist)\b"
)
CAPTURE_SYMBOL = re.compile(r'"s"\s*:\s*"([A-Z0-9]{2,20})"')
WIDTHS = {12: "klines", 6: "trades", 7: "aggTrades", 3: "fundingRate", 8: "metrics"}
#: The kinds a replay can take its prices from.
PRICE_KINDS = ("klines", "trades", "aggTrades", "capture")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class FileKind:
    """What a file holds (``klines``, ``trades``, ``aggTrades``, ``capture``, ``fundingRate``,
    ``metrics``, ``openInterestHist``) and the symbol its name or content gives (or None)."""

    kind: str
    symbol: str | None


def named_symbol(path: Path) -> str | None:
    """Return the symbol a Binance data file's name gives (``BTCUSDT-1m-2021-05.csv``)."""
    match = NAMED.match(path.name)
    return match.group(1) if match else None


def sniff(path: Path) -> FileKind:
    """Return what ``path`` holds; InputFileError (one line) when it is no market-data file."""
    head = _head(path)
    first = next((line for line in head.splitlines() if line.strip()), "")
    named = named_symbol(path)
    if not first:
        raise InputFileError(path, "is empty")
    if first.lstrip().startswith("["):
        if "sumOpenInterest" in head:
            return FileKind("openInterestHist", _content_symbol(head) or named)
        raise InputFileError(path, "is JSON but not an openInterestHist answer")
    _, _, rest = first.partition(" ")
    if rest.lstrip().startswith("{"):
        return FileKind("capture", _content_symbol(head) or named)
    fields = first.split(",")
    kind = WIDTHS.get(len(fields))
    if kind is None:
        raise InputFileError(
            path,
            f"is not a Binance market-data file (a first row of {len(fields)} fields: klines "
            "have 12, trades 6, aggTrades 7, fundingRate 3, metrics 8; or a websocket capture)",
        )
    if kind == "metrics":
        row = next((line for line in head.splitlines()[1:] if line.strip()), "")
        content = row.split(",")[1].strip() if row.count(",") >= 7 else ""
        return FileKind(kind, content or named)
    return FileKind(kind, named)


def check_kind(path: Path, wanted: tuple[str, ...], role: str) -> FileKind:
    """Return ``path``'s kind if it is one of ``wanted``; else InputFileError saying what it is."""
    found = sniff(path)
    if found.kind not in wanted:
        raise InputFileError(path, f"is a {found.kind} file, not {' or '.join(wanted)} ({role})")
    return found


def _content_symbol(head: str) -> str | None:
    match = CAPTURE_SYMBOL.search(head) or re.search(r'"symbol"\s*:\s*"([A-Z0-9]{2,20})"', head)
    return match.group(1) if match else None


def _head(path: Path) -> str:
    """Return the first bytes of ``path`` as text, opening gzip and zip as the readers do."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(4)
        if magic[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as stream:
                data = stream.read(SNIFF_BYTES)
        elif magic == b"PK\x03\x04":
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                if not names:
                    raise InputFileError(path, "is an empty zip archive")
                with archive.open(names[0]) as member:
                    data = member.read(SNIFF_BYTES)
        else:
            with path.open("rb") as stream:
                data = stream.read(SNIFF_BYTES)
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputFileError(path, f"cannot be read ({reason})") from None
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" in text[: len(text) - 4]:
        raise InputFileError(path, "is not UTF-8 text (nor a gzip or zip of it)")
    return text
