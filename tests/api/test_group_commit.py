"""Group commit: the commands of one loop turn are journaled together, and nothing is shown first.

Inside the server's event loop :meth:`Server.submit` only schedules the journal write
(``call_soon``); every answer waits on :meth:`Server.durable`. These tests drive a real
``Server`` (the one ``serve`` builds, on a memory journal) from an event loop, as uvicorn's
requests do, and look at the journal's appends, the listeners and the read models.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from liquidator.api.app import ROUTES
from liquidator.api.errors import BinanceError
from liquidator.api.limits import RequestLimits, ServerLimits
from liquidator.api.server import Server
from liquidator.api.streams.connection import _send
from liquidator.api.streams.hub import Subscriber
from liquidator.api.ws_api import payload_text, ws_api_endpoint
from liquidator.app.journal import JournalRecord, JournalWriteError, MemoryJournal
from liquidator.bootstrap.server import open_server
from liquidator.core.exchange.commands import Deposit, OpenAccount, PlaceOrder
from liquidator.core.exchange.events import Event, OrderAccepted
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.money.fixed import Amount, Price, Qty
from tests.api.conftest import quiet_settings


class CountingJournal(MemoryJournal):
    """A memory journal that counts its appends, and fails them while ``failing`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.appends: list[int] = []
        self.failing = False

    def append(self, records: Sequence[JournalRecord]) -> None:
        if self.failing:
            raise JournalWriteError("disk I/O error")
        self.appends.append(len(records))
        super().append(records)


def serving() -> tuple[Server, CountingJournal, list[list[Event]]]:
    """A server on a counting journal, three funded accounts, and what its listeners hear."""
    settings = quiet_settings(flow_per_minute=0)
    server = open_server(settings)
    journal = CountingJournal()
    journal.append(list(server.live.exchange.journal.records_after(0)))
    server.live.exchange.journal = journal
    for name in ("alice", "bob", "carol"):
        server.submit(OpenAccount(name))
        server.submit(Deposit(name, Amount.of(100_000, "USDT")))
    journal.appends.clear()
    heard: list[list[Event]] = []
    server.live.listeners.append(heard.append)
    return server, journal, heard


def bid(account: str, price: int) -> PlaceOrder:
    return PlaceOrder(
        account,
        "BTCUSDT",
        Side.BUY,
        OrderType.LIMIT,
        quantity=Qty.of("0.01"),
        price=Price.of(price),
        time_in_force=TimeInForce.GTC,
    )


def accepted_ids(heard: list[list[Event]]) -> list[int]:
    return [e.order_id for events in heard for e in events if isinstance(e, OrderAccepted)]


def test_the_commands_of_one_loop_turn_share_one_journal_write() -> None:
    server, journal, heard = serving()

    async def requests() -> tuple[list[int], int]:
        orders = [server.submit(bid(name, 50_000 + i)) for i, name in enumerate(("alice", "bob"))]
        appends_before = list(journal.appends)
        await server.durable()
        ids = [e.order_id for o in orders for e in o.events if isinstance(e, OrderAccepted)]
        assert accepted_ids(heard) == ids  # each heard as it happened, in order
        return appends_before, len(ids)

    appends_before, placed = asyncio.run(requests())

    assert placed == 2
    assert appends_before == []  # nothing written before the turn ends
    assert journal.appends == [2]  # one transaction for both
    assert server.live.venue.accounts["alice"].has_open_orders("BTCUSDT")


class Socket:
    """What a stream connection's writer sends to."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


def watching(server: Server) -> tuple[Subscriber, Socket]:
    subscriber = Subscriber(combined=False, buffer_bytes=0)
    server.hub.add(subscriber)
    server.hub.subscribe(subscriber, ["btcusdt@bookTicker"])
    return subscriber, Socket()


def test_a_stream_message_leaves_only_once_its_command_is_journaled() -> None:
    server, journal, _ = serving()
    subscriber, socket = watching(server)
    sent_at_write: list[int] = []
    write = journal.append

    def noting_write(records: Sequence[JournalRecord]) -> None:
        sent_at_write.append(len(socket.sent))
        write(records)

    journal.append = noting_write  # type: ignore[method-assign]

    async def scenario() -> int:
        writer = asyncio.create_task(_send(socket, subscriber, server))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        server.submit(bid("alice", 50_000))
        queued = subscriber.queue.qsize()
        for _ in range(20):  # a few turns of the loop
            await asyncio.sleep(0)
        subscriber.drop()
        await writer
        return queued

    queued = asyncio.run(scenario())

    assert queued == 1
    assert sent_at_write == [0]  # the message waited for the write
    assert len(socket.sent) == 1  # and left after it


def test_a_failed_group_write_closes_the_streams_before_they_tell_of_it() -> None:
    server, journal, _ = serving()

    async def scenario() -> tuple[int, bool, list[str]]:
        subscriber, socket = watching(server)
        writer = asyncio.create_task(_send(socket, subscriber, server))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        journal.failing = True
        server.submit(bid("alice", 50_000))
        queued = subscriber.queue.qsize()
        await writer  # ends: what it held told of an undone command
        return queued, subscriber.closed, socket.sent

    queued, closed, sent = asyncio.run(scenario())

    assert queued == 1
    assert sent == []
    assert closed
    assert server.hub.depth.venue is server.live.venue  # the restored venue's books watched


def test_a_failed_group_write_refuses_every_command_of_the_turn_and_shows_none() -> None:
    server, journal, _ = serving()
    placed: list[tuple[str, int]] = []

    async def request(name: str) -> str:  # as a route: submit, then wait before answering
        outcome = server.submit(bid(name, 50_000))
        ids = [e.order_id for e in outcome.events if isinstance(e, OrderAccepted)]
        placed.extend((name, order_id) for order_id in ids)
        assert server.live.orders.order(name, ids[0]) is not None  # the handler's own read
        try:
            await server.durable()
        except BinanceError as error:
            return f"{error.code} {error.status}"
        return "answered"

    async def requests() -> list[str]:
        journal.failing = True
        return list(await asyncio.gather(request("alice"), request("bob")))

    answers = asyncio.run(requests())

    assert answers == ["-1001 503", "-1001 503"]
    assert len(placed) == 2
    assert not server.live.venue.accounts["alice"].has_open_orders()
    assert not server.live.venue.accounts["bob"].has_open_orders()
    assert [server.live.orders.order(name, order_id) for name, order_id in placed] == [None, None]
    assert server.live.histories.applied_seq == server.live.exchange.seq
    assert server.halted is None


def test_after_a_refused_turn_the_next_commands_are_journaled_and_heard() -> None:
    server, journal, _ = serving()
    journal.failing = True

    async def refused() -> None:
        server.submit(bid("alice", 50_000))
        with pytest.raises(BinanceError):
            await server.durable()

    asyncio.run(refused())
    journal.failing = False
    server.live.exchange._refusing_until = 0.0  # the refusal window waited out

    async def later() -> None:
        server.submit(bid("carol", 50_100))
        await server.durable()

    asyncio.run(later())

    assert server.live.venue.accounts["carol"].has_open_orders("BTCUSDT")
    assert server.live.histories.applied_seq == server.live.exchange.seq == journal.last_seq()


class QueuedFrames:
    """A WebSocket whose client sent ``frames`` at once; it disconnects once every frame is
    answered (or ``disconnect_after`` replies were sent)."""

    def __init__(self, frames: list[str], disconnect_after: int | None = None) -> None:
        self.frames = list(frames)
        self.sent: list[dict[str, Any]] = []
        self.client = None
        self.done = asyncio.Event()
        self.disconnect_after = len(frames) if disconnect_after is None else disconnect_after

    async def accept(self) -> None:
        return None

    async def receive_text(self) -> str:
        if self.frames:
            return self.frames.pop(0)
        await self.done.wait()
        raise WebSocketDisconnect(1000)

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))
        if len(self.sent) >= self.disconnect_after:
            self.done.set()


def order_frames(server: Server, account: str, count: int) -> list[str]:
    key = server.keys.create(account)
    frames = []
    for number in range(count):
        params: dict[str, Any] = {
            "apiKey": key.key,
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.010",
            "price": f"{59_000 + number}.00",
            "timestamp": int(time.time() * 1000),
        }
        text = payload_text(params)
        params["signature"] = hmac.new(key.secret.encode(), text.encode(), "sha256").hexdigest()
        frames.append(json.dumps({"id": f"o{number}", "method": "order.place", "params": params}))
    return frames


def test_websocket_api_frames_received_together_share_one_write_and_answer_in_order() -> None:
    server, journal, heard = serving()
    socket = QueuedFrames(order_frames(server, "alice", 5))
    serve = ws_api_endpoint({"server": server}, ROUTES, RequestLimits.of(ServerLimits()))

    asyncio.run(serve(socket))  # type: ignore[arg-type]

    assert [reply["id"] for reply in socket.sent] == ["o0", "o1", "o2", "o3", "o4"]
    assert {reply["status"] for reply in socket.sent} == {200}
    assert [r["result"]["price"] for r in socket.sent] == [f"{59_000 + n}.00" for n in range(5)]
    assert journal.appends == [5]  # the five orders in one transaction, answered after it
    assert len(accepted_ids(heard)) == 5


def test_websocket_api_replies_of_a_refused_write_all_say_so() -> None:
    server, journal, _ = serving()
    socket = QueuedFrames(order_frames(server, "alice", 3))
    serve = ws_api_endpoint({"server": server}, ROUTES, RequestLimits.of(ServerLimits()))
    seq = server.live.exchange.seq
    journal.failing = True

    asyncio.run(serve(socket))  # type: ignore[arg-type]

    assert [reply["id"] for reply in socket.sent] == ["o0", "o1", "o2"]
    assert [reply["error"]["code"] for reply in socket.sent] == [-1001] * 3
    assert server.live.exchange.seq == seq  # every one undone
    assert journal.appends == []
