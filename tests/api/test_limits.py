"""Limits before work, in process: request bodies, rate limits per address and per account,
and the WebSocket limits per connection (Binance's 1024 streams and 10 messages a second)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from liquidator.api.limits import ServerLimits
from liquidator.api.streams.hub import Subscriber
from liquidator.bootstrap.server import create_app
from tests.api.conftest import ADMIN, limit_order, open_account, quiet_settings

PROXY = "10.0.0.9"


def make_client(limits: ServerLimits, address: str = "10.0.0.1") -> TestClient:
    settings = quiet_settings(limits=limits)
    return TestClient(create_app(settings), client=(address, 50000))


@pytest.fixture
def small() -> Iterator[TestClient]:
    limits = ServerLimits(
        max_body_bytes=1024,
        orders_per_10s=3,
        ws_max_streams=3,
        ws_messages_per_s=5,
        trusted_proxies=frozenset({PROXY}),
    )
    with make_client(limits) as client:
        yield client


def hub_sizes(client: TestClient) -> tuple[int, int, int]:
    hub = client.app.state.server.hub  # type: ignore[attr-defined]
    return len(hub.subscribers), len(hub.by_stream), len(hub.by_account)


# --- request bodies -------------------------------------------------------------------------------


def test_a_declared_body_over_the_cap_is_413_before_auth(small: TestClient) -> None:
    response = small.post("/admin/deposit", content=b"a" * 1025)

    assert response.status_code == 413
    assert response.json() == {
        "code": -1101,
        "msg": "Request body too large; the limit is 1024 bytes.",
    }
    assert response.headers["connection"] == "close"


def test_a_chunked_body_is_counted_as_it_arrives(small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"amount=1&" * 10

    response = small.post("/fapi/v1/order", content=chunks())

    assert response.status_code == 413
    assert response.json()["code"] == -1101


def test_a_body_within_the_cap_still_reaches_the_route(small: TestClient) -> None:
    response = small.post(
        "/admin/accounts",
        content=b"account=carol",
        headers={**ADMIN, "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    assert response.json() == {"account": "carol"}


# --- weight per address ---------------------------------------------------------------------------


def spend_weight(client: TestClient, times: int, **headers: str) -> list[int]:
    return [client.get("/fapi/v1/ping", headers=headers).status_code for _ in range(times)]


def test_weight_is_counted_per_address_and_a_429_says_when_to_retry(small: TestClient) -> None:
    small.app.state.server.limiter.limit = 3  # type: ignore[attr-defined]

    other = TestClient(small.app, client=("10.0.0.2", 50000))  # the same server, another peer

    mine = spend_weight(small, 3)
    refused = small.get("/fapi/v1/ping")
    theirs = spend_weight(other, 1)

    assert mine == [200, 200, 200]
    assert refused.json() == {
        "code": -1003,
        "msg": "Too much request weight used; current limit is 3 request weight per 1 MINUTE."
        " Please use the websocket for live updates to avoid polling the API.",
    }
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-MBX-USED-WEIGHT-1M"] == "4"
    assert theirs == [200]


def test_x_forwarded_for_from_an_untrusted_peer_does_not_buy_a_fresh_bucket(
    small: TestClient,
) -> None:
    small.app.state.server.limiter.limit = 2  # type: ignore[attr-defined]

    answers = [
        small.get("/fapi/v1/ping", headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(3)
    ]

    assert answers == [200, 200, 429]


def test_a_trusted_proxy_names_the_client_by_its_last_untrusted_hop() -> None:
    limits = ServerLimits(trusted_proxies=frozenset({PROXY}))
    with make_client(limits, PROXY) as client:
        client.app.state.server.limiter.limit = 2  # type: ignore[attr-defined]
        first = spend_weight(client, 3, **{"X-Forwarded-For": "6.6.6.6, 192.0.2.1"})
        second = spend_weight(client, 1, **{"X-Forwarded-For": "6.6.6.6, 192.0.2.2"})

    assert first == [200, 200, 429]  # the spoofable left part (6.6.6.6) is not what counts
    assert second == [200]


# --- orders per account ---------------------------------------------------------------------------


def test_orders_are_counted_per_account_with_binance_headers(small: TestClient) -> None:
    alice = open_account(small, "alice")
    bob = open_account(small, "bob")

    placed = [limit_order(alice) for _ in range(3)]
    refused = limit_order(alice)
    others = limit_order(bob)

    assert [p.status_code for p in placed] == [200, 200, 200]
    assert [p.headers["X-MBX-ORDER-COUNT-10S"] for p in placed] == ["1", "2", "3"]
    assert placed[0].headers["X-MBX-ORDER-COUNT-1M"] == "1"
    assert refused.status_code == 429
    assert refused.json() == {
        "code": -1015,
        "msg": "Too many new orders; current limit is 3 orders per 10 SECOND.",
    }
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert len(alice.signed("GET", "/fapi/v1/openOrders").json()) == 3
    assert others.status_code == 200


# --- WebSocket limits -----------------------------------------------------------------------------


def test_a_subscribe_past_the_stream_cap_gets_an_error_and_changes_nothing(
    small: TestClient,
) -> None:
    with small.websocket_connect("/ws") as socket:
        socket.send_text(
            json.dumps({"method": "SUBSCRIBE", "params": ["a@trade", "b@trade"], "id": 1})
        )
        socket.receive_text()
        socket.send_text(
            json.dumps({"method": "SUBSCRIBE", "params": ["c@trade", "d@trade"], "id": 2})
        )
        refused = json.loads(socket.receive_text())
        socket.send_text(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 3}))
        listed = json.loads(socket.receive_text())

    assert refused == {
        "error": {"code": 2, "msg": "Invalid request: a connection listens to at most 3 streams"},
        "id": 2,
    }
    assert listed == {"result": ["a@trade", "b@trade"], "id": 3}


def test_a_url_asking_for_too_many_streams_is_refused_at_the_handshake(
    small: TestClient,
) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        small.websocket_connect("/stream?streams=a@trade/b@trade/c@trade/d@trade"),
    ):
        pass

    assert hub_sizes(small) == (0, 0, 0)


def test_a_connection_sending_too_many_messages_a_second_is_dropped(small: TestClient) -> None:
    with small.websocket_connect("/ws") as socket:
        for number in range(6):
            socket.send_text(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": number}))
        replies = [socket.receive_text() for _ in range(5)]
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()

    assert all(json.loads(reply)["result"] == [] for reply in replies)
    assert closed.value.code == 1008
    assert hub_sizes(small) == (0, 0, 0)


def test_unsubscribed_and_closed_streams_leave_nothing_behind() -> None:
    with make_client(ServerLimits(ws_max_streams=3)) as client:
        sizes = subscribe_unsubscribe_and_close(client)

    assert sizes == ((1, 0, 0), (0, 0, 0))


def subscribe_unsubscribe_and_close(client: TestClient) -> tuple[object, object]:
    with client.websocket_connect("/ws") as socket:
        for batch in range(4):
            names = [f"s{batch}x{n}@trade" for n in range(3)]
            socket.send_text(json.dumps({"method": "SUBSCRIBE", "params": names, "id": 1}))
            socket.receive_text()
            socket.send_text(json.dumps({"method": "UNSUBSCRIBE", "params": names, "id": 2}))
            socket.receive_text()
        after_unsubscribing = hub_sizes(client)
        socket.send_text(json.dumps({"method": "SUBSCRIBE", "params": ["x@trade"], "id": 3}))
        socket.receive_text()
    return after_unsubscribing, hub_sizes(client)


def test_a_reader_too_slow_for_its_buffer_is_dropped_and_its_queue_freed() -> None:
    subscriber = Subscriber(False, buffer_bytes=100)

    for number in range(10):
        subscriber.send("s", {"n": number, "pad": "x" * 10})

    assert subscriber.dropped.is_set()
    assert subscriber.queue.qsize() == 1  # only the wake-up for the sender
    assert subscriber.queued_bytes == 0
