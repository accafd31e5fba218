"""A book kept from the diff depth stream by Binance's documented procedure equals the venue's.

"How to manage a local order book correctly": buffer the stream, take ``GET /fapi/v1/depth``,
drop events with ``u`` < ``lastUpdateId``, start at the one with ``U`` <= ``lastUpdateId`` <=
``u``, and check that each ``pu`` is the previous ``u``; a level with quantity 0 is removed.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from liquidator.api.errors import BinanceError
from liquidator.api.server import Server
from liquidator.api.streams.hub import Subscriber
from liquidator.core.exchange.commands import CancelOrder, PlaceOrder
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.money.fixed import Price, Qty
from tests.api.conftest import open_account

Book = dict[str, dict[Decimal, Decimal]]


def drain(subscriber: Subscriber) -> list[dict[str, Any]]:
    messages = []
    while not subscriber.queue.empty():
        text = subscriber.queue.get_nowait()
        assert text is not None
        messages.append(json.loads(text))
    return messages


def random_command(rng: random.Random, server: Server, account: str) -> object:
    """A limit order near the touch, a market order, or a cancel of a resting order."""
    roll = rng.random()
    book = server.live.venue.symbols["BTCUSDT"].book
    resting = [*book.bids.orders(), *book.asks.orders()]
    mine = [o for o in resting if o.account == account]
    if roll < 0.25 and mine:
        return CancelOrder(account, "BTCUSDT", order_id=rng.choice(mine).order_id)
    side = rng.choice((Side.BUY, Side.SELL))
    quantity = Qty.of(f"0.{rng.randint(1, 50):03d}")
    if roll < 0.35:
        return PlaceOrder(account, "BTCUSDT", side, OrderType.MARKET, quantity=quantity)
    ticks = rng.randint(-60, 60)
    price = Price.of(str(Decimal("60000") + Decimal(ticks) / 10))
    return PlaceOrder(account, "BTCUSDT", side, OrderType.LIMIT, quantity, price, TimeInForce.GTC)


def run_orders(
    client: TestClient, server: Server, rng: random.Random, count: int, speed_ms: int
) -> None:
    """Submit ``count`` random commands on the server's loop, ``speed_ms`` ticking every 7."""
    client.portal.call(submit_orders, server, rng, count, speed_ms)  # type: ignore[union-attr]


def submit_orders(server: Server, rng: random.Random, count: int, speed_ms: int) -> None:
    hub = server.hub
    for number in range(count):
        command = random_command(rng, server, rng.choice(("alice", "bob")))
        with contextlib.suppress(BinanceError):  # a refusal changes nothing
            server.submit(command)  # type: ignore[arg-type]
        if number % 7 == 0:
            hub.depth.tick(speed_ms, server.live.exchange.seq, server.live.now_ms(), hub.emit)
    hub.depth.tick(speed_ms, server.live.exchange.seq, server.live.now_ms(), hub.emit)


def rest_book(client: TestClient) -> tuple[int, Book]:
    body = client.get("/fapi/v1/depth", params={"symbol": "BTCUSDT", "limit": 1000}).json()
    book = {side: {Decimal(p): Decimal(q) for p, q in body[side]} for side in ("bids", "asks")}
    return body["lastUpdateId"], book


def apply_stream(book: Book, last_update_id: int, events: list[dict[str, Any]]) -> None:
    """Binance's procedure, asserting the chain as it goes."""
    events = [e for e in events if e["u"] >= last_update_id]
    previous = None
    for event in events:
        if previous is None:
            assert event["U"] <= last_update_id <= event["u"]
        else:
            assert event["pu"] == previous
        previous = event["u"]
        for side, key in (("bids", "b"), ("asks", "a")):
            for price, quantity in event[key]:
                if Decimal(quantity) == 0:
                    book[side].pop(Decimal(price), None)
                else:
                    book[side][Decimal(price)] = Decimal(quantity)


def test_a_book_kept_from_the_diff_stream_equals_the_venues_after_10000_orders(
    client: TestClient,
) -> None:
    for name in ("alice", "bob"):
        open_account(client, name, deposit="100000000")
    server: Server = client.app.state.server  # type: ignore[attr-defined]
    subscriber = Subscriber(combined=True, buffer_bytes=0)
    streams = ["btcusdt@depth@100ms", "BTCUSDT@depth5@100ms"]
    client.portal.call(server.hub.add, subscriber)  # type: ignore[union-attr]
    client.portal.call(server.hub.subscribe, subscriber, streams)  # type: ignore[union-attr]
    rng = random.Random(15)

    run_orders(client, server, rng, 3000, 100)
    last_update_id, book = rest_book(client)
    run_orders(client, server, rng, 7000, 100)
    messages = drain(subscriber)
    diffs = [m["data"] for m in messages if m["stream"] == "btcusdt@depth@100ms"]
    apply_stream(book, last_update_id, diffs)
    _, venue = rest_book(client)

    assert book == venue
    assert any(q == "0.000" for d in diffs for _, q in d["b"] + d["a"])  # removed levels sent
    partial = [m["data"] for m in messages if m["stream"] == "BTCUSDT@depth5@100ms"][-1]
    assert partial["u"] == diffs[-1]["u"]
    assert [Decimal(p) for p, _ in partial["b"]] == sorted(venue["bids"], reverse=True)[:5]
    assert all(len(p.split(".")[1]) == 2 for p, _ in partial["b"] + partial["a"])


def test_the_diff_stream_chains_every_event_and_reports_each_command_at_0ms(
    client: TestClient,
) -> None:
    open_account(client, "alice", deposit="100000000")
    open_account(client, "bob", deposit="100000000")
    server: Server = client.app.state.server  # type: ignore[attr-defined]
    subscriber = Subscriber(combined=False, buffer_bytes=0)
    client.portal.call(server.hub.add, subscriber)  # type: ignore[union-attr]
    client.portal.call(server.hub.subscribe, subscriber, ["btcusdt@depth@0ms"])  # type: ignore[union-attr]
    last_update_id, book = rest_book(client)

    run_orders(client, server, random.Random(20), 500, 0)
    events = drain(subscriber)
    apply_stream(book, last_update_id, events)

    assert book == rest_book(client)[1]
    assert all(e["pu"] == p["u"] for p, e in itertools.pairwise(events))
