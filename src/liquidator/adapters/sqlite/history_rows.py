"""The history records as SQLite rows and back: one column list and one converter per record.

Money columns hold the raw integer as decimal text (``str``/``int``: exact at any size); an
order record is its engine state (``Order.to_state``) as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from liquidator.app.json_text import compact_record
from liquidator.core.exchange.events import FundingSettled, TradeExecuted
from liquidator.core.exchange.orders import Order
from liquidator.read.force_orders import ForceOrder
from liquidator.read.history import HistoryBatch
from liquidator.read.income import IncomeRow
from liquidator.read.margin_changes import MarginChange
from liquidator.read.market_history import Bar
from liquidator.read.order_history import Fill

Row = Sequence[Any]

FILL_COLUMNS = (
    "account, symbol, trade_id, order_id, side, position_side, price, quantity, commission,"
    " commission_asset, realized_pnl, maker, ts_ms"
)
INCOME_COLUMNS = "account, symbol, income_type, income, asset, time_ms, tran_id, trade_id"
FORCE_COLUMNS = (
    "account, symbol, order_id, client_order_id, side, position_side, price, quantity,"
    " executed, cum_quote, status, auto_close_type, time_ms, update_ms"
)
TRADE_COLUMNS = "symbol, trade_id, price, quantity, buyer_is_maker, ts_ms, kind"
BAR_COLUMNS = (
    "open_ms, open, high, low, close, volume, quote, trades, taker_buy_volume, taker_buy_quote"
)
FUNDING_COLUMNS = "symbol, funding_rate, mark_price, funding_ms, positions, ts_ms"
MARGIN_CHANGE_COLUMNS = (
    "account, symbol, change_type, amount, asset, position_side, time_ms, delta_type"
)
MOVEMENT_COLUMNS = "fund, asset, kind, change, balance, account, symbol, ts_ms"
IN_PROGRESS = "history_force_in_progress"


def _insert(table: str, columns: str, *, replace: bool = False) -> str:
    marks = ", ".join("?" * len(columns.split(",")))
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    return f"{verb} INTO {table} ({columns}) VALUES ({marks})"


MARGIN_CHANGE_INSERT = _insert("history_margin_changes", MARGIN_CHANGE_COLUMNS)
MAX_GROUP_ROWS = 256  # rows in one multi-row INSERT
MAX_GROUP_VALUES = 30_000  # its bound values: under SQLite's limit of 32,766


Grouped = tuple[str, Sequence[Row], bool]  # a statement, its rows, and whether it takes many


def grouped(sql: str, values: Sequence[Row]) -> Iterator[Grouped]:
    """``executemany(sql, values)`` as statements that insert up to ``MAX_GROUP_ROWS`` rows
    each (``VALUES (...), (...)``): SQLite inserts them in order, as it would one at a time.

    A writer thread needs the GIL between statements, never inside one: on a busy server it
    waits for it, and with one row a statement it held the file's write lock through hundreds
    of those waits, while the journal's appends waited on the lock (``docs/performance.md``).
    Yields ``(sql, [row], False)`` to ``execute``, or ``(sql, values, True)`` to
    ``executemany`` when it is not a single-row ``INSERT ... VALUES (...)``."""
    head, marker, marks = sql.partition(" VALUES ")
    if not marker or not head.startswith("INSERT") or len(values) < 2:
        yield sql, values, True
        return
    width = marks.count("?") or 1
    size = max(1, min(MAX_GROUP_ROWS, MAX_GROUP_VALUES // width))
    for start in range(0, len(values), size):
        part = values[start : start + size]
        flat = tuple(value for row in part for value in row)
        yield f"{head} VALUES {', '.join([marks] * len(part))}", [flat], False


def statements(batch: HistoryBatch) -> Iterator[tuple[str, list[Row]]]:
    """Yield each insert of a batch's write with its rows (the forced orders in progress apart)."""
    yield (
        _insert(
            "history_orders",
            "order_id, account, symbol, client_order_id, created_ms, state",
            replace=True,
        ),
        [order_row(o) for o in batch.orders],
    )
    yield _insert("history_fills", FILL_COLUMNS), [fill_row(f) for f in batch.fills]
    yield _insert("history_income", INCOME_COLUMNS), [income_row(r) for r in batch.income]
    yield _insert("history_force_orders", FORCE_COLUMNS), [force_row(r) for r in batch.force_orders]
    yield _insert("history_trades", TRADE_COLUMNS), [trade_row(t) for t in batch.trades]
    yield (
        _insert("history_bars", f"symbol, mark, {BAR_COLUMNS}", replace=True),
        [(symbol, int(mark), *bar_row(bar)) for symbol, mark, bar in batch.bars],
    )
    yield _insert("history_funding", FUNDING_COLUMNS), [funding_row(f) for f in batch.funding]
    yield (
        _insert("history_fund_movements", MOVEMENT_COLUMNS),
        [
            (m.fund, m.asset, m.kind, str(m.change), str(m.balance), m.account, m.symbol, m.ts_ms)
            for m in batch.fund_movements
        ],
    )
    yield (
        _insert("history_fund_levels", "fund, asset, balance, low", replace=True),
        [(v.fund, v.asset, str(v.balance), str(v.low)) for v in batch.fund_levels],
    )
    yield MARGIN_CHANGE_INSERT, [margin_change_row(c) for c in batch.margin_changes]


def in_progress(batch: HistoryBatch) -> Iterator[tuple[str, list[Row]]]:
    """Yield the statements that replace the forced orders in progress with the batch's."""
    yield f"DELETE FROM {IN_PROGRESS}", [()]
    yield _insert(IN_PROGRESS, FORCE_COLUMNS), [force_row(r) for r in batch.force_in_progress]


def order_row(order: Order) -> Row:
    return (
        order.order_id,
        order.account,
        order.symbol,
        order.client_order_id,
        order.created_ms,
        compact_record(order.to_state()),  # json.dumps's compact text, by orjson
    )


def order(state: object) -> Order:
    if not isinstance(state, str):
        raise TypeError(f"an order record is JSON text, got {type(state).__name__}")
    loaded: list[object] = json.loads(state)
    return Order.from_state(loaded)


def fill_row(f: Fill) -> Row:
    return (
        f.account,
        f.symbol,
        f.trade_id,
        f.order_id,
        f.side,
        f.position_side,
        f.price,
        f.quantity,
        str(f.commission),
        f.commission_asset,
        str(f.realized_pnl),
        int(f.maker),
        f.ts_ms,
    )


def fill(row: Row) -> Fill:
    (account, symbol, trade_id, order_id, side, position_side, price, quantity) = row[:8]
    commission, asset, pnl, maker, ts_ms = row[8:]
    return Fill(
        account,
        symbol,
        trade_id,
        order_id,
        side,
        position_side,
        price,
        quantity,
        int(commission),
        asset,
        int(pnl),
        bool(maker),
        ts_ms,
    )


def income_row(r: IncomeRow) -> Row:
    return (
        r.account,
        r.symbol,
        r.income_type,
        str(r.income),
        r.asset,
        r.time_ms,
        r.tran_id,
        r.trade_id,
    )


def income(row: Row) -> IncomeRow:
    account, symbol, kind, amount, asset, time_ms, tran_id, trade_id = row
    return IncomeRow(account, symbol, kind, int(amount), asset, time_ms, tran_id, trade_id)


def force_row(r: ForceOrder) -> Row:
    return (
        r.account,
        r.symbol,
        r.order_id,
        r.client_order_id,
        r.side,
        r.position_side,
        r.price,
        r.quantity,
        r.executed,
        str(r.cum_quote),
        r.status,
        r.auto_close_type,
        r.time_ms,
        r.update_ms,
    )


def force_order(row: Row) -> ForceOrder:
    values = list(row)
    values[9] = int(values[9])
    return ForceOrder(*values)


def trade_row(t: TradeExecuted) -> Row:
    return (t.symbol, t.trade_id, t.price, t.quantity, int(t.buyer_is_maker), t.ts_ms, t.kind)


def trade(row: Row) -> TradeExecuted:
    symbol, trade_id, price, quantity, maker, ts_ms, kind = row
    return TradeExecuted(symbol, trade_id, price, quantity, bool(maker), ts_ms, kind)


def bar_row(b: Bar) -> Row:
    return (
        b.open_ms,
        b.open,
        b.high,
        b.low,
        b.close,
        str(b.volume),
        str(b.quote),
        b.trades,
        str(b.taker_buy_volume),
        str(b.taker_buy_quote),
    )


def bar(row: Row) -> Bar:
    open_ms, first, high, low, close, volume, quote, trades, buy_volume, buy_quote = row
    return Bar(
        open_ms,
        first,
        high,
        low,
        close,
        int(volume),
        int(quote),
        trades,
        int(buy_volume),
        int(buy_quote),
    )


def funding_row(f: FundingSettled) -> Row:
    return (f.symbol, f.funding_rate, f.mark_price, f.funding_ms, f.positions, f.ts_ms)


def funding(row: Row) -> FundingSettled:
    symbol, rate, mark, funding_ms, positions, ts_ms = row
    return FundingSettled(symbol, rate, mark, funding_ms, positions, ts_ms)


def margin_change_row(change: MarginChange) -> Row:
    return (
        change.account,
        change.symbol,
        change.change_type,
        str(change.amount),
        change.asset,
        change.position_side,
        change.time_ms,
        change.delta_type,
    )


def margin_change(row: Row) -> MarginChange:
    account, symbol, change_type, amount, asset, side, time_ms, delta_type = row
    return MarginChange(account, symbol, change_type, int(amount), asset, side, time_ms, delta_type)
