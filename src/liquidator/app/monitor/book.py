"""The monitored account as the monitor knows it: REST's snapshot, moved on by the streams.

The book keeps every position of the account (a cross position's liquidation price depends on
all the others), the cross wallet of each margin asset, the marks, funding, ADL quantiles and
Binance's reported liquidation prices as of the last snapshot. It only stores; the figures are
solved by :mod:`figures` with the core's margin maths.
"""

from __future__ import annotations

from dataclasses import replace

from liquidator.app.monitor.events import (
    Funding,
    MarkMoved,
    PositionChanged,
    PositionKey,
    Snapshot,
    WalletChanged,
)
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account
from liquidator.core.margin.position import Position, PositionSide
from liquidator.core.money.fixed import Amount, Price


class AccountBook:
    """Positions, wallets and marks of one account, kept current by the streams."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.market: Market = snapshot.market
        self.wallets: dict[str, Amount] = dict(snapshot.wallets)
        self.positions: dict[PositionKey, Position] = {
            (p.symbol, p.side): p for p in snapshot.positions
        }
        self.leverage: dict[str, int] = {p.symbol: p.leverage for p in snapshot.positions}
        self.reported: dict[PositionKey, Price | None] = dict(snapshot.reported)
        self.adl: dict[PositionKey, int] = dict(snapshot.adl)
        self.break_even: dict[PositionKey, Price | None] = dict(snapshot.break_even)
        self.funding: dict[str, Funding] = dict(snapshot.funding)
        self.marks: dict[str, Price] = dict(snapshot.marks)
        self.marks.update({p.symbol: p.mark_price for p in snapshot.positions})
        self.updated_ms = snapshot.ts_ms

    def symbols(self) -> list[str]:
        """Return the symbols held, sorted: the mark streams the monitor needs."""
        return sorted({symbol for symbol, _ in self.positions})

    def move_mark(self, event: MarkMoved) -> bool:
        """Set a symbol's mark and funding; return whether a held position changed."""
        self.funding[event.symbol] = event.funding
        self.updated_ms = max(self.updated_ms, event.ts_ms)
        if self.marks.get(event.symbol) == event.mark:
            return False
        self.marks[event.symbol] = event.mark
        touched = False
        for side in PositionSide:  # three look-ups, not a walk over every position
            key = (event.symbol, side)
            position = self.positions.get(key)
            if position is not None:
                self.positions[key] = replace(position, mark_price=event.mark)
                touched = True
        return touched

    def set_wallet(self, event: WalletChanged) -> None:
        self.wallets[event.asset] = event.cross_wallet
        self.updated_ms = max(self.updated_ms, event.ts_ms)

    def change_position(self, event: PositionChanged) -> bool:
        """Apply a position update; return False if the book cannot (a symbol it does not know:
        the caller resynchronises from REST)."""
        key = (event.symbol, event.side)
        self.updated_ms = max(self.updated_ms, event.ts_ms)
        if event.quantity.raw == 0:
            self.positions.pop(key, None)
            self.break_even.pop(key, None)
            return True
        self.break_even[key] = event.break_even
        instrument = self.market.instrument(event.symbol)
        table = self.market.bracket_table(event.symbol)
        mark = self.marks.get(event.symbol)
        leverage = self.leverage.get(event.symbol)
        if instrument is None or table is None or mark is None or leverage is None:
            return False
        try:
            self.positions[key] = Position(
                instrument,
                event.side,
                event.quantity,
                event.entry_price,
                mark,
                event.margin_type,
                leverage,
                _wallet(event, instrument.margin_asset),
            )
        except ValueError:
            return False
        return True

    def accounts(self) -> list[Account]:
        """Return one core account per margin asset: its cross wallet and its positions."""
        by_asset: dict[str, list[Position]] = {}
        for position in self.positions.values():
            by_asset.setdefault(position.margin_asset, []).append(position)
        return [
            Account(self.wallets.get(asset, Amount.zero(asset)), tuple(held))
            for asset, held in sorted(by_asset.items())
        ]


def _wallet(event: PositionChanged, asset: str) -> Amount | None:
    if event.isolated_wallet is None:
        return None
    return Amount.of(event.isolated_wallet, asset)
