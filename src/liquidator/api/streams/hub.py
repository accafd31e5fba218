"""WebSocket streams: who listens to what, and the messages each command's events make.

Every path the three clients open is served (clients.md A.5): ``/ws``, ``/ws/<anything>``,
``/stream``, ``/{market,public,private}/{ws,stream}[/<n>]``, with ``?streams=a/b`` and
``?listenKey=`` forms and ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` frames. A listen
key subscribed as a stream name (futures-connector) is the user data stream. Combined paths
(``/stream``) wrap each message as ``{"stream": name, "data": payload}``, the name written as
the client subscribed it. A name this venue does not serve (``stream_names``) is refused.

After each command: ``@trade``, ``@aggTrade``, ``@bookTicker``, ``@forceOrder``, ``@kline_*``
(open candles), the ``@0ms`` depth and the user data (``user_stream``). On their clocks
(``schedule``): depth diffs and partial depth (``depth``), ``@markPrice`` (3 s, ``@1s``),
tickers, and each kline's closing message (``"x": true``).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from liquidator.api.streams.decimals import SymbolDecimals, symbol_decimals
from liquidator.api.streams.depth_publisher import DepthPublisher
from liquidator.api.streams.market_publisher import MarketPublisher
from liquidator.api.streams.names import is_served, normalise
from liquidator.api.streams.schedule import StreamSchedule
from liquidator.api.streams.user_data import UserStream, family_messages
from liquidator.core.exchange.events import Event
from liquidator.core.exchange.ledger import LedgerPosted

if TYPE_CHECKING:
    from liquidator.api.server import Server

MAX_STREAMS = 1024  # Binance: "a single connection can listen to a maximum of 1024 streams"
MAX_NAME_LENGTH = 128  # a stream name or a listen key (64 characters)
BUFFER_BYTES = 4 * 1024 * 1024  # queued for one connection before it is dropped as too slow


class StreamLimitError(ValueError):
    """A subscription a connection may not make (too many streams, a name too long)."""


@dataclass(eq=False)
class Subscriber:
    """One WebSocket connection: its streams, its user accounts, its outgoing queue.

    The queue holds at most ``buffer_bytes`` of messages: a reader too slow to keep up is
    dropped, as Binance does (``dropped`` is set, the queue emptied, the sender woken).
    """

    combined: bool
    coin_margined: bool = False  # on the dstream paths: the COIN-M user data only
    max_streams: int = MAX_STREAMS
    buffer_bytes: int = BUFFER_BYTES
    streams: set[str] = field(default_factory=set)  # lower-cased keys
    names: dict[str, str] = field(default_factory=dict)  # key -> the name as subscribed
    accounts: dict[str, str] = field(default_factory=dict)  # account -> listen key
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    queued_bytes: int = 0
    closed: bool = False
    dropped: asyncio.Event = field(default_factory=asyncio.Event)

    def send(self, stream: str, payload: Any) -> None:
        body = {"stream": stream, "data": payload} if self.combined else payload
        self.send_text(json.dumps(body, separators=(",", ":")))

    def send_text(self, text: str) -> None:
        """Queue one message already written (the hub writes each once for all its readers)."""
        if self.closed:
            return
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
        self.depth = DepthPublisher(server.live.venue)
        self.users = UserStream(server)
        self.schedule = StreamSchedule(self)
        self.clock_task: asyncio.Task[None] | None = None
        self._decimals: dict[str, SymbolDecimals] = {}
        self.market = MarketPublisher(self)

    def decimals(self, symbol: str) -> SymbolDecimals:
        found = self._decimals.get(symbol)
        if found is None:
            instrument = self.server.live.venue.symbols[symbol].instrument
            found = self._decimals[symbol] = symbol_decimals(instrument)
        return found

    def start_clock(self) -> None:
        """Run the periodic streams (``schedule``) while anyone is connected."""
        if self.clock_task is None or self.clock_task.done():
            self.clock_task = asyncio.get_running_loop().create_task(self.schedule.run())

    def listened(self, key: str) -> bool:
        return bool(self.by_stream.get(key))

    # --- subscriptions ----------------------------------------------------------------------------

    def add(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber) -> None:
        if not subscriber.closed:
            subscriber.drop()
        self.subscribers.discard(subscriber)
        for key in subscriber.streams:
            _forget(self.by_stream, key, subscriber)
            self.depth.untrack(key)
        for account in subscriber.accounts:
            _forget(self.by_account, account, subscriber)
        subscriber.streams.clear()
        subscriber.names.clear()
        subscriber.accounts.clear()

    def subscribe(self, subscriber: Subscriber, names: list[str]) -> None:
        """Subscribe ``names`` (streams or listen keys), all or none: raise
        :class:`StreamLimitError` if one is too long or not served, or the connection would
        listen to more than its ``max_streams``."""
        if any(len(name) > MAX_NAME_LENGTH for name in names):
            raise StreamLimitError(
                f"Invalid request: a stream name is over {MAX_NAME_LENGTH} characters"
            )
        now = self.server.wall_ms()
        users: dict[str, str] = {}
        streams: dict[str, str] = {}
        for name in names:
            account = self.server.listen_keys.account_of(name, now)
            if account is not None:
                users[account] = name
            elif is_served(key := normalise(name)):
                streams[key] = name.strip()
            else:
                raise StreamLimitError(f"Invalid request: unknown stream {name!r}")
        total = len(subscriber.streams | streams.keys())
        total += len(subscriber.accounts.keys() | users.keys())
        if 0 < subscriber.max_streams < total:
            cap = subscriber.max_streams
            raise StreamLimitError(
                f"Invalid request: a connection listens to at most {cap} streams"
            )
        for account, name in users.items():
            subscriber.accounts[account] = name
            self.by_account.setdefault(account, set()).add(subscriber)
        for key, name in streams.items():
            if key not in subscriber.streams:
                subscriber.streams.add(key)
                self.depth.track(key, self.server.live.exchange.seq)
                self.by_stream.setdefault(key, set()).add(subscriber)
            subscriber.names[key] = name

    def unsubscribe(self, subscriber: Subscriber, names: list[str]) -> None:
        for name in names:
            key = normalise(name)
            if key in subscriber.streams:
                subscriber.streams.discard(key)
                subscriber.names.pop(key, None)
                _forget(self.by_stream, key, subscriber)
                self.depth.untrack(key)
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

    def follow_venue(self) -> None:
        """After the engine was restored from the journal (a failed write undone): close every
        stream connection, whose queued messages may tell of undone commands (clients
        reconnect, as after any outage), and watch the restored venue's books from now on."""
        if self.depth.venue is self.server.live.venue:
            return
        for subscriber in list(self.subscribers):
            subscriber.drop()
        self.depth = DepthPublisher(self.server.live.venue)

    # --- publishing -------------------------------------------------------------------------------

    def publish(self, events: list[Event]) -> None:
        if not self.subscribers:
            return
        symbols: set[str] = set()
        users: dict[str, list[Event]] = defaultdict(list)
        for event in events:
            symbol = getattr(event, "symbol", None)
            if isinstance(symbol, str):
                symbols.add(symbol)
            self.market.on_event(event)
            account = getattr(event, "account", None)
            if isinstance(account, str) and self.by_account.get(account):
                users[account].append(event)
            if isinstance(event, LedgerPosted):
                for name, _ in event.postings:
                    owner = name.split("/")[0]
                    if owner != account and self.by_account.get(owner):
                        users[owner].append(event)
        live = self.server.live
        symbols &= live.venue.symbols.keys()
        seq, now = live.exchange.seq, live.now_ms()
        for symbol in symbols:
            self.market.book_ticker(symbol, seq, now)
        self.depth.after_command(symbols, seq, now, self.emit)
        for account, mine in users.items():
            self._user(account, mine)

    def emit(self, key: str, payload: Any) -> None:
        """Send ``payload`` to everyone listening to ``key``, named as each subscribed it.

        The payload is written to JSON once, and once more per name a combined stream uses.
        """
        listeners = self.by_stream.get(key)
        if not listeners:
            return
        data = json.dumps(payload, separators=(",", ":"))
        combined: dict[str, str] = {}
        for subscriber in list(listeners):
            if not subscriber.combined:
                subscriber.send_text(data)
                continue
            name = subscriber.names.get(key, key)
            text = combined.get(name)
            if text is None:
                text = combined[name] = f'{{"stream":{json.dumps(name)},"data":{data}}}'
            subscriber.send_text(text)

    def _user(self, account: str, events: list[Event]) -> None:
        subscribers = list(self.by_account.get(account, ()))
        if not subscribers:
            return
        messages = self.users.messages(account, events)
        venue = self.server.live.venue
        by_family: dict[bool, list[dict[str, Any]]] = {}  # each family's part, once
        for subscriber in subscribers:
            coin = subscriber.coin_margined
            if coin not in by_family:
                by_family[coin] = family_messages(messages, venue, coin_margined=coin)
            key = subscriber.accounts.get(account, "")
            for message in by_family[coin]:
                subscriber.send(key, message)


def _forget(index: dict[str, set[Subscriber]], key: str, subscriber: Subscriber) -> None:
    """Take ``subscriber`` out of ``index[key]``, and the key out when no one is left."""
    held = index.get(key)
    if held is None:
        return
    held.discard(subscriber)
    if not held:
        del index[key]
