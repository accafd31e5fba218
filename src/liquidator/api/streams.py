"""WebSocket streams: Binance's market streams and the user data stream, from the engine's events.

Every path the three clients open is served (clients.md A.5): ``/ws``, ``/ws/<anything>``,
``/stream``, ``/{market,public,private}/{ws,stream}[/<n>]``, with ``?streams=a/b`` and
``?listenKey=`` forms and ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` frames. A listen
key subscribed as a stream name (futures-connector) is the user data stream. Combined paths
(``/stream``) wrap each message as ``{"stream": name, "data": payload}``.

Market streams: ``<symbol>@markPrice`` (and ``@1s``, ``!markPrice@arr``), ``@trade``,
``@aggTrade``, ``@bookTicker``, ``@depth`` and ``@depth<5|10|20>``, ``@kline_<interval>``,
``@forceOrder`` and ``!forceOrder@arr``. User data: ``ORDER_TRADE_UPDATE`` (liquidation fills
``o=LIQUIDATION``, ``x=CALCULATED``; ADL ``c=adl_autoclose``), ``ACCOUNT_UPDATE`` with its
reason, ``MARGIN_CALL``, ``ALGO_UPDATE``, ``listenKeyExpired``.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from liquidator.api.payloads import algo_update, kline, order_update
from liquidator.api.views import d
from liquidator.app.force_orders import force_order_event
from liquidator.app.market_history import INTERVALS_MS
from liquidator.core.events import (
    Event,
    MarginCallIssued,
    OrderAccepted,
    OrderClosed,
    OrderTraded,
    OrderTriggered,
    PositionChanged,
    PositionLiquidated,
    PricesUpdated,
    TradeExecuted,
)
from liquidator.core.ledger import EntryKind, LedgerPosted
from liquidator.core.margin_unit import position_figures
from liquidator.core.position import MarginType

if TYPE_CHECKING:
    from liquidator.api.server import Server

MAX_STREAMS = 1024  # Binance: "a single connection can listen to a maximum of 1024 streams"
MAX_NAME_LENGTH = 128  # a stream name or a listen key (64 characters)
BUFFER_BYTES = 4 * 1024 * 1024  # queued for one connection before it is dropped as too slow
ACCOUNT_REASONS = (
    (EntryKind.DEPOSIT, "DEPOSIT"),
    (EntryKind.WITHDRAW, "WITHDRAW"),
    (EntryKind.FUNDING_FEE, "FUNDING_FEE"),
    (EntryKind.INSURANCE_CLEAR, "INSURANCE_CLEAR"),
    (EntryKind.INSURANCE_COVER, "INSURANCE_CLEAR"),
    (EntryKind.ISOLATED_MARGIN, "MARGIN_TRANSFER"),
)


class StreamLimitError(ValueError):
    """A subscription a connection may not make (too many streams, a name too long)."""


@dataclass(eq=False)
class Subscriber:
    """One WebSocket connection: its streams, its user accounts, its outgoing queue.

    The queue holds at most ``buffer_bytes`` of messages: a reader too slow to keep up is
    dropped, as Binance does (``dropped`` is set, the queue emptied, the sender woken).
    """

    combined: bool
    max_streams: int = MAX_STREAMS
    buffer_bytes: int = BUFFER_BYTES
    streams: set[str] = field(default_factory=set)
    accounts: dict[str, str] = field(default_factory=dict)  # account -> listen key
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    queued_bytes: int = 0
    closed: bool = False
    dropped: asyncio.Event = field(default_factory=asyncio.Event)

    def send(self, stream: str, payload: dict[str, Any]) -> None:
        if self.closed:
            return
        body = {"stream": stream, "data": payload} if self.combined else payload
        text = json.dumps(body, separators=(",", ":"))
        if 0 < self.buffer_bytes < self.queued_bytes + len(text):
            self.drop()
            return
        self.queued_bytes += len(text)
        self.queue.put_nowait(text)

    async def next_message(self) -> str | None:
        """The next message to send, or None once the connection is closed or dropped."""
        text = await self.queue.get()
        if text is not None:
            self.queued_bytes -= len(text)
        return text

    def drop(self) -> None:
        """Stop this connection's traffic: free what is queued, wake the sender with None."""
        self.closed = True
        self.dropped.set()
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queued_bytes = 0
        self.queue.put_nowait(None)

    @property
    def listening(self) -> int:
        return len(self.streams) + len(self.accounts)


class Hub:
    """Who listens to what, and the messages each command's events make.

    The maps hold a stream or an account only while someone listens to it: an unsubscribe, an
    expired listen key and a closed connection remove their entries, so memory follows the live
    subscriptions, not every name ever sent.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.subscribers: set[Subscriber] = set()
        self.by_stream: dict[str, set[Subscriber]] = {}
        self.by_account: dict[str, set[Subscriber]] = {}

    # --- subscriptions ----------------------------------------------------------------------------

    def add(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        if not subscriber.closed:
            subscriber.drop()
        self.subscribers.discard(subscriber)
        for name in subscriber.streams:
            _forget(self.by_stream, name, subscriber)
        for account in subscriber.accounts:
            _forget(self.by_account, account, subscriber)
        subscriber.streams.clear()
        subscriber.accounts.clear()

    def subscribe(self, subscriber: Subscriber, names: list[str]) -> None:
        """Subscribe ``names`` (streams or listen keys), all or none: raise
        :class:`StreamLimitError` if one is too long or the connection would listen to more
        than its ``max_streams``."""
        if any(len(name) > MAX_NAME_LENGTH for name in names):
            raise StreamLimitError(
                f"Invalid request: a stream name is over {MAX_NAME_LENGTH} characters"
            )
        now = self.server.wall_ms()
        users: dict[str, str] = {}
        streams: set[str] = set()
        for name in names:
            account = self.server.listen_keys.account_of(name, now)
            if account is not None:
                users[account] = name
            else:
                streams.add(normalise(name))
        total = len(subscriber.streams | streams) + len(subscriber.accounts.keys() | users.keys())
        if 0 < subscriber.max_streams < total:
            cap = subscriber.max_streams
            raise StreamLimitError(
                f"Invalid request: a connection listens to at most {cap} streams"
            )
        for account, name in users.items():
            subscriber.accounts[account] = name
            self.by_account.setdefault(account, set()).add(subscriber)
        for key in streams:
            subscriber.streams.add(key)
            self.by_stream.setdefault(key, set()).add(subscriber)

    def unsubscribe(self, subscriber: Subscriber, names: list[str]) -> None:
        for name in names:
            key = normalise(name)
            if key in subscriber.streams:
                subscriber.streams.discard(key)
                _forget(self.by_stream, key, subscriber)
            for account, listen_key in list(subscriber.accounts.items()):
                if listen_key == name:
                    del subscriber.accounts[account]
                    _forget(self.by_account, account, subscriber)

    def expire_listen_keys(self) -> None:
        now = self.server.wall_ms()
        for key in self.server.listen_keys.expired(now):
            for subscriber in list(self.subscribers):
                for account, listen_key in list(subscriber.accounts.items()):
                    if listen_key == key:
                        subscriber.send(key, {"e": "listenKeyExpired", "E": now, "listenKey": key})
                        del subscriber.accounts[account]
                        _forget(self.by_account, account, subscriber)

    # --- publishing -------------------------------------------------------------------------------

    def publish(self, events: list[Event]) -> None:
        if not self.subscribers:
            return
        books: set[str] = set()
        users: dict[str, list[Event]] = defaultdict(list)
        for event in events:
            self._market(event, books)
            account = getattr(event, "account", None)
            if isinstance(account, str) and self.by_account.get(account):
                users[account].append(event)
            if isinstance(event, LedgerPosted):
                for name, _ in event.postings:
                    owner = name.split("/")[0]
                    if owner != account and self.by_account.get(owner):
                        users[owner].append(event)
        for symbol in books:
            self._book(symbol)
        for account, mine in users.items():
            self._user(account, mine)

    def _emit(self, stream: str, payload: dict[str, Any]) -> None:
        for subscriber in list(self.by_stream.get(stream, ())):
            subscriber.send(stream, payload)

    def _market(self, event: Event, books: set[str]) -> None:
        if isinstance(event, PricesUpdated):
            self._mark(event)
        elif isinstance(event, TradeExecuted):
            self._trade(event)
            books.add(event.symbol)
        elif isinstance(event, OrderAccepted | OrderClosed):
            books.add(event.symbol)
        elif isinstance(event, PositionLiquidated):
            order = self.server.live.orders.order(event.account, event.order_id)
            executed, cum = (
                (order.executed, order.cum_quote) if order else (event.filled, event.cum_quote)
            )
            message = force_order_event(event, executed, cum)
            lower = event.symbol.lower()
            self._emit(f"{lower}@forceorder", message)
            self._emit("!forceorder@arr", message)

    def _mark(self, event: PricesUpdated) -> None:
        payload = {
            "e": "markPriceUpdate",
            "E": event.ts_ms,
            "s": event.symbol,
            "p": d(event.mark_price),
            "P": d(event.mark_price),
            "i": d(event.index_price),
            "r": d(event.funding_rate),
            "T": event.next_funding_ms,
        }
        lower = event.symbol.lower()
        for name in (f"{lower}@markprice", f"{lower}@markprice@1s"):
            self._emit(name, payload)
        for name in ("!markprice@arr", "!markprice@arr@1s"):
            if self.by_stream.get(name):
                self._emit(name, [payload])  # type: ignore[arg-type]

    def _trade(self, event: TradeExecuted) -> None:
        lower = event.symbol.lower()
        self._emit(
            f"{lower}@trade",
            {
                "e": "trade",
                "E": event.ts_ms,
                "T": event.ts_ms,
                "s": event.symbol,
                "t": event.trade_id,
                "p": d(event.price),
                "q": d(event.quantity),
                "X": event.kind,
                "m": event.buyer_is_maker,
            },
        )
        if event.kind != "MARKET":
            return
        self._emit(
            f"{lower}@aggtrade",
            {
                "e": "aggTrade",
                "E": event.ts_ms,
                "s": event.symbol,
                "a": event.trade_id,
                "p": d(event.price),
                "q": d(event.quantity),
                "f": event.trade_id,
                "l": event.trade_id,
                "T": event.ts_ms,
                "m": event.buyer_is_maker,
            },
        )
        for interval, ms in INTERVALS_MS.items():
            name = f"{lower}@kline_{interval}"
            if not self.by_stream.get(name):
                continue
            bars = self.server.live.market.klines(event.symbol, ms, limit=1)
            if bars:
                bar = bars[-1]
                self._emit(name, kline(event, bar, interval, ms))

    def _book(self, symbol: str) -> None:
        state = self.server.live.venue.symbols[symbol]
        lower = symbol.lower()
        now, seq = self.server.live.now_ms(), self.server.live.exchange.seq
        bids, asks = state.book.bids.depth(20), state.book.asks.depth(20)
        if self.by_stream.get(f"{lower}@bookticker") or self.by_stream.get("!bookticker"):
            ticker = {
                "e": "bookTicker",
                "u": seq,
                "s": symbol,
                "b": d(bids[0][0]) if bids else "0",
                "B": d(bids[0][1]) if bids else "0",
                "a": d(asks[0][0]) if asks else "0",
                "A": d(asks[0][1]) if asks else "0",
                "T": now,
                "E": now,
            }
            self._emit(f"{lower}@bookticker", ticker)
            self._emit("!bookticker", ticker)
        for levels in (5, 10, 20, None):
            for speed in ("", "@100ms", "@250ms", "@500ms"):
                name = f"{lower}@depth{levels or ''}{speed}"
                if self.by_stream.get(name):
                    count = levels or 20
                    self._emit(
                        name,
                        {
                            "e": "depthUpdate",
                            "E": now,
                            "T": now,
                            "s": symbol,
                            "U": seq,
                            "u": seq,
                            "pu": seq - 1,
                            "b": [[d(p), d(q)] for p, q in bids[:count]],
                            "a": [[d(p), d(q)] for p, q in asks[:count]],
                        },
                    )

    # --- user data --------------------------------------------------------------------------------

    def _user(self, account: str, events: list[Event]) -> None:
        subscribers = list(self.by_account.get(account, ()))
        if not subscribers:
            return
        messages: list[dict[str, Any]] = []
        reason = ""
        touched = False
        for event in events:
            if isinstance(event, OrderAccepted | OrderTraded | OrderClosed | OrderTriggered):
                messages += self._order_messages(account, event)
            elif isinstance(event, MarginCallIssued):
                messages.append(self._margin_call(event))
            elif isinstance(event, PositionChanged):
                touched = True
            elif isinstance(event, LedgerPosted):
                touched = True
                for kind, name in ACCOUNT_REASONS:
                    if event.kind is kind and not reason:
                        reason = name
        if touched:
            messages.append(self._account_update(account, events, reason or "ORDER"))
        for subscriber in subscribers:
            key = subscriber.accounts.get(account, "")
            for message in messages:
                subscriber.send(key, message)

    def _order_messages(self, account: str, event: Event) -> list[dict[str, Any]]:
        order = self.server.live.orders.order(account, getattr(event, "order_id", 0))
        if order is None:
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
        return [order_update(order, event, now)]

    def _margin_call(self, event: MarginCallIssued) -> dict[str, Any]:
        venue = self.server.live.venue
        account = venue.accounts[event.account]
        isolated = "/" in event.wallet
        positions = []
        for p in account.open_positions():
            key = (
                p.ledger_key
                if account.margin_type_of(p.symbol) is MarginType.ISOLATED
                else account.account
            )
            if key != event.wallet:
                continue
            state = venue.symbols[p.symbol]
            pnl, mm = position_figures(p, state.mark_price, state.tiers)
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
            mark = venue.symbols[symbol].mark_price
            isolated = state.margin_type_of(symbol) is MarginType.ISOLATED
            positions.append(
                {
                    "s": symbol,
                    "pa": d(p.quantity),
                    "ep": d(p.entry_price()),
                    "bep": d(p.entry_price()),
                    "cr": "0",
                    "up": d((p.quantity * mark - p.cost) // 10**8) if p.quantity else "0",
                    "mt": "isolated" if isolated else "cross",
                    "iw": d(venue.ledger.balance(p.ledger_key, venue.assets[symbol]))
                    if isolated
                    else "0",
                    "ps": side.value,
                }
            )
        now = self.server.live.now_ms()
        return {
            "e": "ACCOUNT_UPDATE",
            "E": now,
            "T": now,
            "a": {
                "m": reason,
                "B": [
                    {
                        "a": asset,
                        "wb": d(venue.ledger.balance(account, asset)),
                        "cw": d(venue.ledger.balance(account, asset)),
                        "bc": "0",
                    }
                    for asset in assets
                ],
                "P": positions,
            },
        }


def _forget(index: dict[str, set[Subscriber]], key: str, subscriber: Subscriber) -> None:
    """Take ``subscriber`` out of ``index[key]``, and the key out when no one is left."""
    held = index.get(key)
    if held is None:
        return
    held.discard(subscriber)
    if not held:
        del index[key]


def normalise(name: str) -> str:
    """Market stream names are case-insensitive (Binance lower-cases them)."""
    return name.strip().lower()
