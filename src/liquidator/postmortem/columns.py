"""The columns of Binance's CSV exports, recognised by header, read with errors that locate.

Header names are compared lower-cased without spaces, underscores or brackets
(``Date(UTC)`` is ``dateutc``), and each export's aliases map to one name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from liquidator.adapters.input_files import NumberError, fixed_raw, shortened, whole_number
from liquidator.postmortem.records import PostmortemError


class Kind(Enum):
    TRADES = "trade history"
    ORDERS = "order history"
    TRANSACTIONS = "transaction history"


ALIASES = {
    "time": ("dateutc", "timeutc", "time", "date", "utctime"),
    "symbol": ("symbol", "contract"),
    "side": ("side", "direction"),
    "price": ("price", "orderprice"),
    "quantity": ("quantity", "qty", "executedqty", "quantitycont"),
    "fee": ("fee", "commission"),
    "realized": ("realizedprofit", "realizedpnl"),
    "orderid": ("orderid", "orderno"),
    "tradeid": ("tradeid",),
    "positionside": ("positionside",),
    "type": ("type", "ordertype", "incometype"),
    "average": ("avgprice", "average", "averageprice", "avgtradingprice"),
    "origqty": ("amount", "orderamount", "origqty", "quantity", "amountcont", "quantitycont"),
    "executed": ("executed", "filled", "executedcont", "filledcont"),
    "status": ("status",),
    "amount": ("amount", "change"),
    "asset": ("asset", "coin"),
    "tranid": ("transactionid", "tranid"),
}
REQUIRED = {
    Kind.TRADES: ("time", "symbol", "side", "price", "quantity", "fee", "realized"),
    Kind.ORDERS: (
        "time",
        "orderid",
        "symbol",
        "type",
        "side",
        "price",
        "average",
        "origqty",
        "executed",
    ),
    Kind.TRANSACTIONS: ("time", "type", "amount", "asset", "symbol"),
}
TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,3})?")


def _normal(name: str) -> str:
    return re.sub(r"[\s_()\-]", "", name.strip().lower())


@dataclass(frozen=True, slots=True)
class Columns:
    kind: Kind
    index: dict[str, int]
    headers: list[str]
    file: str

    def row(self, cells: list[str], number: int) -> Row:
        return Row(self, cells, f"{self.file} row {number}")


def columns_of(header: list[str], file: str) -> Columns:
    """Recognise an export by its header, or fail with one line naming what is missing."""
    names = [_normal(cell) for cell in header]
    for kind in (Kind.TRADES, Kind.ORDERS, Kind.TRANSACTIONS):
        index = _index(names, kind)
        if all(name in index for name in REQUIRED[kind]):
            return Columns(kind, index, header, file)
    shown = shortened(",".join(header), 80)
    raise PostmortemError(
        f"{file}: the header {shown!r} is not Binance's trade, order or transaction history"
    )


def _index(names: list[str], kind: Kind) -> dict[str, int]:
    index: dict[str, int] = {}
    for canonical in REQUIRED[kind] + ("orderid", "tradeid", "positionside", "status", "tranid"):
        for alias in ALIASES[canonical]:
            if alias in names and canonical not in index:
                index[canonical] = names.index(alias)
    return index


@dataclass(frozen=True, slots=True)
class Row:
    columns: Columns
    cells: list[str]
    where: str

    def _place(self, name: str) -> str:
        return f"{self.where}, column {self.columns.headers[self.columns.index[name]].strip()!r}"

    def text(self, name: str, default: str | None = None) -> str:
        position = self.columns.index.get(name)
        value = (
            self.cells[position].strip()
            if position is not None and position < len(self.cells)
            else ""
        )
        if value:
            return value
        if default is not None:
            return default
        where = self._place(name) if name in self.columns.index else self.where
        raise PostmortemError(f"{where}: is empty")

    def raw(self, name: str) -> int:
        """Read a decimal; thousands separators and a trailing asset (``15.2 USDT``) allowed."""
        text = self.text(name)
        bare = re.sub(r"\s+[A-Za-z]+$", "", text.replace(",", ""))
        try:
            return fixed_raw(bare)
        except NumberError as error:
            raise PostmortemError(f"{self._place(name)}: {shortened(text)!r} {error}") from None

    def integer(self, name: str) -> int:
        text = self.text(name, "0")
        try:
            return whole_number(text)
        except NumberError as error:
            raise PostmortemError(f"{self._place(name)}: {shortened(text)!r} {error}") from None

    def time(self) -> int:
        text = self.text("time")
        if text.isdigit():
            return self.integer("time")
        if not TIME.fullmatch(text):
            raise PostmortemError(f"{self._place('time')}: {shortened(text)!r} is not a UTC time")
        moment = datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
