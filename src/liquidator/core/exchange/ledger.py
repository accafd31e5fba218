"""Double-entry ledger: every movement of money is an entry whose postings sum to zero.

Balances are raw ints (10**-8) per (ledger account, asset), held per asset then per ledger
account (``wallets``): a lookup hashes no tuple and compares the account's name only. User
wallets are ledger accounts (``<account>`` for the cross wallet, ``<account>/<symbol>/<side>``
for an isolated one); the venue keeps system accounts whose names start with ``@``.
``@external`` is the world outside the venue: a deposit moves money from it, a withdrawal back
to it. Because every entry sums to zero, per asset ``sum(all balances) == 0``, i.e. wallets
plus the other system accounts always equal deposits minus withdrawals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from mypy_extensions import mypyc_attr

EXTERNAL: Final = "@external"
FEES: Final = "@fees"
SETTLEMENT: Final = "@settlement"  # counterpart of realized PnL: the clearing house
FUNDING: Final = "@funding"  # funding paid between accounts; keeps the rounding dust


class EntryKind(Enum):
    """Why money moved; the user-facing kinds are Binance's income types."""

    DEPOSIT = "DEPOSIT"
    WITHDRAW = "WITHDRAW"
    REALIZED_PNL = "REALIZED_PNL"
    COMMISSION = "COMMISSION"
    FUNDING_FEE = "FUNDING_FEE"
    ISOLATED_MARGIN = "ISOLATED_MARGIN"  # between a cross wallet and an isolated one
    INSURANCE_CLEAR = "INSURANCE_CLEAR"  # a liquidation's clearance fee, to the insurance fund
    INSURANCE_COVER = "INSURANCE_COVER"  # the fund bringing a bankrupt wallet back to zero


@mypyc_attr(acyclic=True)
@dataclass(frozen=True, slots=True, init=False)
class LedgerPosted:
    """Event: one balanced ledger entry.

    ``account``/``symbol`` say whose activity it was (income history); ``postings`` are
    ``(ledger account, signed amount)`` pairs summing to zero.
    """

    entry_id: int
    kind: EntryKind
    asset: str
    postings: tuple[tuple[str, int], ...]
    account: str
    symbol: str
    ref: int  # trade id, order id or funding time: what caused it
    ts_ms: int

    def __init__(
        self,
        entry_id: int,
        kind: EntryKind,
        asset: str,
        postings: tuple[tuple[str, int], ...],
        account: str,
        symbol: str,
        ref: int,
        ts_ms: int,
    ) -> None:
        object.__setattr__(self, "entry_id", entry_id)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "asset", asset)
        object.__setattr__(self, "postings", postings)
        object.__setattr__(self, "account", account)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "ts_ms", ts_ms)

    def row(self) -> list[object]:
        """Return the journal row: the type name, then every field in order (see ``codec``)."""
        return [
            "LedgerPosted",
            self.entry_id,
            self.kind._value_,
            self.asset,
            self.postings,
            self.account,
            self.symbol,
            self.ref,
            self.ts_ms,
        ]


class LedgerError(Exception):
    """An entry does not balance: a bug in the engine, which must stop (an ``Exception``: the
    compiled core cannot subclass ``AssertionError``)."""


class Ledger:
    """Balances and the entry counter; entries themselves go out as events."""

    __slots__ = ("entries", "wallets")

    def __init__(self) -> None:
        self.wallets: dict[str, dict[str, int]] = {}  # asset -> ledger account -> balance
        self.entries = 0

    def balance(self, ledger_account: str, asset: str) -> int:
        wallets = self.wallets.get(asset)
        return wallets.get(ledger_account, 0) if wallets is not None else 0

    def balance_of(self, key: tuple[str, str]) -> int:
        """Return the balance of ``(ledger account, asset)``."""
        return self.balance(key[0], key[1])

    def items(self) -> list[tuple[tuple[str, str], int]]:
        """Return every ``((ledger account, asset), balance)``, by asset then account."""
        return [
            ((name, asset), amount)
            for asset, wallets in sorted(self.wallets.items())
            for name, amount in sorted(wallets.items())
        ]

    def _wallets(self, asset: str) -> dict[str, int]:
        wallets = self.wallets.get(asset)
        if wallets is None:
            wallets = self.wallets[asset] = {}
        return wallets

    def transfer(
        self,
        kind: EntryKind,
        asset: str,
        source: str,
        target: str,
        amount: int,
        *,
        account: str,
        symbol: str = "",
        ref: int = 0,
        ts_ms: int = 0,
    ) -> LedgerPosted:
        """Move ``amount`` of ``asset`` from ``source`` to ``target`` (a two-posting entry)."""
        wallets = self._wallets(asset)
        wallets[source] = wallets.get(source, 0) - amount
        wallets[target] = wallets.get(target, 0) + amount
        self.entries += 1
        postings = ((source, -amount), (target, amount))
        return LedgerPosted(self.entries, kind, asset, postings, account, symbol, ref, ts_ms)

    def post(
        self,
        kind: EntryKind,
        asset: str,
        postings: tuple[tuple[str, int], ...],
        *,
        account: str,
        symbol: str = "",
        ref: int = 0,
        ts_ms: int = 0,
    ) -> LedgerPosted:
        """Apply a multi-posting entry; raise :class:`LedgerError` unless it sums to zero."""
        if sum(amount for _, amount in postings) != 0:
            raise LedgerError(f"unbalanced {kind.value} entry {postings}")
        wallets = self._wallets(asset)
        for ledger_account, amount in postings:
            wallets[ledger_account] = wallets.get(ledger_account, 0) + amount
        self.entries += 1
        return LedgerPosted(self.entries, kind, asset, postings, account, symbol, ref, ts_ms)

    def totals(self) -> dict[str, int]:
        """Return the sum of all balances per asset (zero for a balanced ledger)."""
        return {asset: sum(wallets.values()) for asset, wallets in self.wallets.items()}

    def to_state(self) -> dict[str, object]:
        rows = sorted([k[0], k[1], v] for k, v in self.items() if v != 0)
        return {"entries": self.entries, "balances": rows}

    @classmethod
    def from_state(cls, state: dict[str, object]) -> Ledger:
        ledger = cls()
        entries = state["entries"]
        rows = state["balances"]
        if not isinstance(entries, int) or not isinstance(rows, list):
            raise TypeError("bad ledger state")
        ledger.entries = entries
        for name, asset, amount in rows:
            ledger._wallets(str(asset))[str(name)] = int(amount)
        return ledger
