"""Income history like Binance's ``GET /fapi/v1/income``, derived from the ledger's entries.

Each ledger entry that touches a user's wallets becomes one income row for that user, with the
net amount it moved into them (cross and isolated wallets together; a move between the two is not
income and is left out, as Binance does). Types: TRANSFER (deposits and withdrawals),
REALIZED_PNL, COMMISSION, FUNDING_FEE, INSURANCE_CLEAR (a liquidation's clearance fee, negative;
the insurance fund covering a bankrupt wallet, positive).

The rows live in a store beside the journal (:class:`IncomeStore`); system accounts' income
(the market maker's commissions, the funds') is not kept: no key reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from liquidator.core.exchange.events import Event
from liquidator.core.exchange.ledger import EntryKind, LedgerPosted
from liquidator.core.money.fixed import trim_raw
from liquidator.read.history_filter import Window, is_served

INCOME_TYPES = {
    EntryKind.DEPOSIT: "TRANSFER",
    EntryKind.WITHDRAW: "TRANSFER",
    EntryKind.REALIZED_PNL: "REALIZED_PNL",
    EntryKind.COMMISSION: "COMMISSION",
    EntryKind.FUNDING_FEE: "FUNDING_FEE",
    EntryKind.INSURANCE_CLEAR: "INSURANCE_CLEAR",  # the clearance fee of a liquidation
    EntryKind.INSURANCE_COVER: "INSURANCE_CLEAR",  # the fund bringing a bankrupt wallet to zero
}


@dataclass(frozen=True, slots=True)
class IncomeRow:
    """One row of ``/fapi/v1/income`` (``income`` raw, signed from the user's side)."""

    account: str
    symbol: str
    income_type: str
    income: int
    asset: str
    time_ms: int
    tran_id: int
    trade_id: int

    def to_binance(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "incomeType": self.income_type,
            "income": trim_raw(self.income),
            "asset": self.asset,
            "info": self.income_type,
            "time": self.time_ms,
            "tranId": self.tran_id,
            "tradeId": str(self.trade_id)
            if self.income_type in ("REALIZED_PNL", "COMMISSION")
            else "",
        }


def income_of(entry: LedgerPosted) -> IncomeRow | None:
    """Return the income row an entry makes for its account, or None if it is not income."""
    income_type = INCOME_TYPES.get(entry.kind)
    if income_type is None:
        return None
    mine = entry.account
    own = mine + "/"
    amount = sum(a for name, a in entry.postings if name == mine or name.startswith(own))
    if amount == 0:
        return None
    return IncomeRow(
        mine, entry.symbol, income_type, amount, entry.asset, entry.ts_ms, entry.entry_id, entry.ref
    )


class IncomeStore(Protocol):
    """Where income rows are kept, and how they are found."""

    def income(
        self, account: str, window: Window, *, symbol: str | None, income_type: str | None
    ) -> list[IncomeRow]:
        """Return the first ``window.limit`` matching rows of ``account``, oldest first."""


class IncomeHistory:
    """Income rows of user accounts in a store; memory holds only the unwritten ones."""

    def __init__(self, store: IncomeStore, sync: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.sync = sync  # writes what is pending, so that the store answers for everything
        self.new_rows: list[IncomeRow] = []  # rows to write

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if type(event) is LedgerPosted and is_served(event.account):
                row = income_of(event)
                if row is not None:
                    self.new_rows.append(row)

    def written(self) -> None:
        self.new_rows = []

    def query(
        self,
        account: str,
        *,
        symbol: str | None = None,
        income_type: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 100,
    ) -> list[IncomeRow]:
        """Return up to ``limit`` rows, oldest first, filtered like Binance's parameters."""
        self.sync()
        window = Window(start_ms, end_ms, limit)
        return self.store.income(account, window, symbol=symbol, income_type=income_type)
