"""The user data stream's messages, from one command's events for one account.

``ORDER_TRADE_UPDATE`` per order event, conditional orders as ``ALGO_UPDATE``. A liquidation or
ADL order is told by its fills only (``x=CALCULATED``), as on Binance: no ``NEW`` with ``l=0``
and ``ap=0`` that ccxt.pro's ``watch_my_liquidations`` would take for the liquidation.
``MARGIN_CALL`` lists the positions of the wallet called. One ``ACCOUNT_UPDATE`` follows when a
balance or position moved; its reason (``a.m``) is ``ORDER`` whenever the command filled one of
the account's orders (an isolated fill moves margin too, but Binance calls it ``ORDER``),
otherwise the ledger entry's kind (``DEPOSIT``, ``FUNDING_FEE``, ``MARGIN_TRANSFER``, ...). Its
balances carry ``wb`` the whole wallet (cross plus every isolated wallet of the asset) and
``cw`` the cross wallet, as ``/fapi/v2/account``'s ``walletBalance`` and ``crossWalletBalance``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liquidator.api.streams.payloads import algo_update, order_update
from liquidator.api.views import d
from liquidator.core.exchange.events import (
    Event,
    MarginCallIssued,
    OrderAccepted,
    OrderAmended,
    OrderClosed,
    OrderTraded,
    OrderTriggered,
    PositionChanged,
)
from liquidator.core.exchange.ledger import EntryKind, LedgerPosted
from liquidator.core.exchange.orders import OrderType
from liquidator.core.margin.position import MarginType
from liquidator.read.account_figures import entry_price, isolated_wallets, pnl_and_maintenance
from liquidator.read.break_even import break_even_price

if TYPE_CHECKING:
    from liquidator.api.server import Server
    from liquidator.core.exchange.account_state import AccountState
    from liquidator.core.exchange.venue import Venue

FORCED = (OrderType.LIQUIDATION, OrderType.ADL)  # told by their fills only (x=CALCULATED)
TRANSFERS = (EntryKind.DEPOSIT, EntryKind.WITHDRAW)  # what ``bc`` counts
ACCOUNT_REASONS = {
    EntryKind.DEPOSIT: "DEPOSIT",
    EntryKind.WITHDRAW: "WITHDRAW",
    EntryKind.FUNDING_FEE: "FUNDING_FEE",
    EntryKind.INSURANCE_CLEAR: "INSURANCE_CLEAR",
    EntryKind.INSURANCE_COVER: "INSURANCE_CLEAR",
    EntryKind.ISOLATED_MARGIN: "MARGIN_TRANSFER",
}


def account_reason(events: list[Event]) -> str:
    """The ``a.m`` of the ACCOUNT_UPDATE these events make."""
    if any(isinstance(e, OrderTraded) for e in events):
        return "ORDER"
    for event in events:
        if isinstance(event, LedgerPosted) and event.kind in ACCOUNT_REASONS:
            return ACCOUNT_REASONS[event.kind]
    return "ORDER"


class UserStream:
    """Builds one account's user-data messages from the live state after a command."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def messages(self, account: str, events: list[Event]) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        touched = False
        for event in events:
            if isinstance(
                event, OrderAccepted | OrderTraded | OrderClosed | OrderTriggered | OrderAmended
            ):
                messages += self._order_messages(account, event)
            elif isinstance(event, MarginCallIssued):
                call = self._margin_call(event)
                if call["p"]:  # none left: liquidated by the same price move (see _margin_call)
                    messages.append(call)
            elif isinstance(event, PositionChanged | LedgerPosted):
                touched = True
        if touched:
            messages.append(self._account_update(account, events, account_reason(events)))
        return messages

    def _order_messages(self, account: str, event: Event) -> list[dict[str, Any]]:
        order = self.server.live.orders.order(account, getattr(event, "order_id", 0))
        if order is None or (order.orig_type in FORCED and not isinstance(event, OrderTraded)):
            return []
        now = getattr(event, "ts_ms", 0)
        if isinstance(event, OrderTriggered) or (
            isinstance(event, OrderAccepted) and order.orig_type.is_conditional
        ):
            status = "TRIGGERED" if isinstance(event, OrderTriggered) else "NEW"
            return [algo_update(order, status, now)]
        if (
            isinstance(event, OrderClosed)
            and order.orig_type.is_conditional
            and order.order_id not in self.server.live.orders.triggered
        ):
            return [algo_update(order, event.status, now)]
        instrument = self.server.live.venue.symbols[order.symbol].instrument
        return [
            order_update(
                order,
                event,
                now,
                instrument.margin_asset,
                coin_margined=instrument.is_inverse,
            )
        ]

    def _margin_call(self, event: MarginCallIssued) -> dict[str, Any]:
        """The MARGIN_CALL of the wallet called, its positions as they are after the command.

        A margin call issued by the same price move that liquidates the wallet finds no
        position left (the event carries no positions); it is not sent.
        """
        venue = self.server.live.venue
        account = venue.accounts[event.account]
        isolated = "/" in event.wallet
        positions = []
        for p in account.open_positions():
            is_isolated = account.margin_type_of(p.symbol) is MarginType.ISOLATED
            if is_isolated != isolated or (isolated and p.ledger_key != event.wallet):
                continue
            state = venue.symbols[p.symbol]
            pnl, mm = pnl_and_maintenance(venue, p)
            positions.append(
                {
                    "s": p.symbol,
                    "ps": p.side.value,
                    "pa": d(p.quantity),
                    "mt": "ISOLATED" if isolated else "CROSSED",
                    "iw": d(venue.ledger.balance(p.ledger_key, event.asset)) if isolated else "0",
                    "mp": d(state.mark_price),
                    "up": d(pnl),
                    "mm": d(mm),
                }
            )
        body: dict[str, Any] = {"e": "MARGIN_CALL", "E": event.ts_ms, "p": positions}
        if not isolated:
            body["cw"] = d(venue.ledger.balance(event.account, event.asset))
        return body

    def _account_update(self, account: str, events: list[Event], reason: str) -> dict[str, Any]:
        venue = self.server.live.venue
        state = venue.accounts[account]
        assets = sorted(
            {e.asset for e in events if isinstance(e, LedgerPosted)}
            | {venue.assets[e.symbol] for e in events if isinstance(e, PositionChanged)}
        )
        changed = {(e.symbol, e.position_side) for e in events if isinstance(e, PositionChanged)}
        positions = []
        for symbol, side in sorted(changed, key=lambda k: (k[0], k[1].value)):
            p = state.find_position(symbol, side)
            if p is None:
                continue
            isolated = state.margin_type_of(symbol) is MarginType.ISOLATED
            positions.append(
                {
                    "s": symbol,
                    "pa": d(p.quantity),
                    "ep": d(entry_price(venue, p)),
                    "bep": d(break_even_price(venue, self.server.live.orders, account, p)),
                    "cr": "0",
                    "up": d(pnl_and_maintenance(venue, p)[0]) if p.quantity else "0",
                    "mt": "isolated" if isolated else "cross",
                    "iw": d(venue.ledger.balance(p.ledger_key, venue.assets[symbol]))
                    if isolated
                    else "0",
                    "ps": side.value,
                }
            )
        now = self.server.live.now_ms()
        balances = [self._balance(state, asset, events) for asset in assets]
        return {
            "e": "ACCOUNT_UPDATE",
            "E": now,
            "T": now,
            "a": {"m": reason, "B": balances, "P": positions},
        }

    def _balance(self, state: AccountState, asset: str, events: list[Event]) -> dict[str, Any]:
        """``wb`` the whole wallet, ``cw`` the cross wallet, ``bc`` the change by a deposit or
        withdrawal in these events ("balance change except PnL and commission")."""
        venue = self.server.live.venue
        owner, isolated_prefix = state.account, state.account + "/"
        change = sum(
            amount
            for e in events
            if isinstance(e, LedgerPosted) and e.asset == asset and e.kind in TRANSFERS
            for name, amount in e.postings
            if name == owner or name.startswith(isolated_prefix)
        )
        cross = venue.ledger.balance(state.account, asset)
        isolated = isolated_wallets(venue, state, asset)
        return {"a": asset, "wb": d(cross + isolated), "cw": d(cross), "bc": d(change)}


def family_messages(
    messages: list[dict[str, Any]], venue: Venue, *, coin_margined: bool
) -> list[dict[str, Any]]:
    """The part of ``messages`` one market family's user stream carries: COIN-M's (the dstream
    paths, ``coin_margined``) the inverse contracts and their coins, USDⓈ-M's the rest; an
    ``ACCOUNT_UPDATE`` or ``MARGIN_CALL`` left with nothing is not sent."""
    symbols = {
        s for s, state in venue.symbols.items() if state.instrument.is_inverse == coin_margined
    }
    assets = {venue.assets[s] for s in symbols}
    kept = (_family_part(m, symbols, assets) for m in messages)
    return [m for m in kept if m is not None]


def _family_part(
    message: dict[str, Any], symbols: set[str], assets: set[str]
) -> dict[str, Any] | None:
    kind = message.get("e")
    if kind in ("ORDER_TRADE_UPDATE", "ALGO_UPDATE"):
        return message if message["o"]["s"] in symbols else None
    if kind == "ACCOUNT_UPDATE":
        update = message["a"]
        balances = [b for b in update["B"] if b["a"] in assets]
        positions = [p for p in update["P"] if p["s"] in symbols]
        if not balances and not positions:
            return None
        return message | {"a": update | {"B": balances, "P": positions}}
    if kind == "MARGIN_CALL":
        called = [p for p in message["p"] if p["s"] in symbols]
        return message | {"p": called} if called else None
    return message
