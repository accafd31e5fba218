"""An account's history from the CSV files Binance's website exports (USDⓈ-M futures).

Each file is recognised by its header (names compared without case or spaces):

* **Trade history**: ``Date(UTC)``, ``Symbol``, ``Side``, ``Price``, ``Quantity``, ``Amount``,
  ``Fee``, ``Realized Profit`` (optional: ``Fee Coin``, ``Quote Asset``, ``Order ID``,
  ``Trade ID``, ``Position Side``);
* **Order history**: ``Date(UTC)``, ``Order ID``, ``Symbol``, ``Type``, ``Side``, ``Price``,
  ``Avg Price``, ``Amount``, ``Executed``, ``Status`` (optional ``Position Side``); its
  ``LIQUIDATION`` and ``ADL`` rows are the forced orders;
* **Transaction history**: ``Date(UTC)``, ``type``, ``Amount``, ``Asset``, ``Symbol``,
  ``Transaction ID`` (Binance's income types: TRANSFER, REALIZED_PNL, COMMISSION,
  FUNDING_FEE, INSURANCE_CLEAR).

Times are UTC (``2024-01-01 00:00:18``, optionally with milliseconds, or epoch ms). Fills
without an order id are matched to a liquidation order by symbol, side and second. The mark
path comes from ``--klines`` (Binance's mark-price kline CSV) or the public ``markPriceKlines``
of ``--base-url``. A malformed file is one line naming the file, the row and the column.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from liquidator.adapters.input_files import InputFileError, csv_rows, printable
from liquidator.adapters.marketdata.klines import read_klines
from liquidator.core.contracts.market import Market
from liquidator.postmortem.columns import Columns, Kind, Row, columns_of
from liquidator.postmortem.public_marks import public_marks
from liquidator.postmortem.records import (
    ADL,
    LIQUIDATION,
    Fill,
    ForcedOrder,
    History,
    Income,
    PostmortemError,
    kline_points,
)


def csv_history(args: argparse.Namespace, market: Market) -> tuple[History, Market, bool]:
    """Return the history in ``args.csv`` (and the mark path from ``--klines``/``--base-url``)."""
    history = History("Binance CSV exports: " + ", ".join(printable(p.name) for p in args.csv))
    for path in args.csv:
        _read(path, history)
    if not any(o.kind == LIQUIDATION for o in history.forced):
        raise PostmortemError("--csv: no order history with a LIQUIDATION order among the files")
    _number(history)
    _link(history)
    history.sort()
    times = [f.time_ms for f in history.fills] + [i.time_ms for i in history.income]
    history.end_ms = max(times, default=0)
    if args.klines is not None:
        _marks_from_file(history, args.klines)
    elif args.base_url:
        public_marks(history, args.base_url, getattr(args, "market", "usdm"))
    else:
        history.notes.append("no mark path: pass --klines FILE or --base-url URL for it")
    return history, market, False


def _read(path: Path, history: History) -> None:
    rows = csv_rows(path)
    columns = _header(path, rows)
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        row = columns.row(cells, number)
        if columns.kind is Kind.TRADES:
            history.fills.append(_fill(row))
        elif columns.kind is Kind.ORDERS:
            order = _order(row)
            if order is not None:
                history.forced.append(order)
        else:
            history.income.append(_income(row))
            history.asset = history.income[-1].asset


def _header(path: Path, rows: Iterator[tuple[int, list[str]]]) -> Columns:
    for _, cells in rows:
        if any(cell.strip() for cell in cells):
            return columns_of(cells, printable(path))
    raise PostmortemError(f"{printable(path)}: the file is empty")


def _side(row: Row) -> str:
    side = row.text("side").upper()
    if side not in ("BUY", "SELL"):
        raise PostmortemError(f"{row.where}: side {side[:10]!r} is neither BUY nor SELL")
    return side


def _fill(row: Row) -> Fill:
    return Fill(
        time_ms=row.time(),
        symbol=row.text("symbol").upper(),
        side=_side(row),
        position_side=row.text("positionside", "BOTH").upper(),
        price=row.raw("price"),
        quantity=abs(row.raw("quantity")),
        commission=abs(row.raw("fee")),
        realized_pnl=row.raw("realized"),
        order_id=row.integer("orderid"),
        trade_id=row.integer("tradeid"),
    )


def _order(row: Row) -> ForcedOrder | None:
    kind = row.text("type").upper().replace(" ", "_")
    if kind not in (LIQUIDATION, ADL, "AUTO_DELEVERAGING"):
        return None
    return ForcedOrder(
        order_id=row.integer("orderid"),
        symbol=row.text("symbol").upper(),
        side=_side(row),
        position_side=row.text("positionside", "BOTH").upper(),
        price=row.raw("price"),
        quantity=row.raw("origqty"),
        executed=row.raw("executed"),
        average=row.raw("average"),
        time_ms=row.time(),
        kind=LIQUIDATION if kind == LIQUIDATION else ADL,
    )


def _income(row: Row) -> Income:
    return Income(
        time_ms=row.time(),
        symbol=row.text("symbol", "").upper(),
        kind=row.text("type").upper(),
        amount=row.raw("amount"),
        asset=row.text("asset").upper(),
        tran_id=row.integer("tranid"),
    )


def _number(history: History) -> None:
    """Give fills without a trade id one, in time order (exports list the newest first)."""
    if all(f.trade_id for f in history.fills):
        return
    fills = history.fills
    if len(fills) > 1 and fills[0].time_ms > fills[-1].time_ms:
        fills.reverse()
    fills.sort(key=lambda f: f.time_ms)
    history.fills = [replace(f, trade_id=n + 1) for n, f in enumerate(fills)]


def _link(history: History) -> None:
    """Give a fill without an order id the forced order of its symbol, side and second."""
    forced = {(o.symbol, o.side, o.time_ms // 1000): o.order_id for o in history.forced}
    history.fills = [
        f
        if f.order_id
        else replace(f, order_id=forced.get((f.symbol, f.side, f.time_ms // 1000), 0))
        for f in history.fills
    ]


def _marks_from_file(history: History, path: Path) -> None:
    try:
        bars = [(k.open_ms, k.open, k.high, k.low, k.close) for k in read_klines(path)]
    except InputFileError as error:
        raise PostmortemError(f"--klines: {error}") from None
    symbols = {f.symbol for f in history.fills}
    if len(symbols) != 1:
        raise PostmortemError("--klines: one mark-price file serves one symbol; use --base-url")
    history.marks[symbols.pop()] = kline_points(bars)
