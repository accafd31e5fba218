"""Hostile clients against a live ``liquidator serve``: huge bodies and headers, silent and
dribbling connections, a thousand half-open sockets from one address, spoofed
``X-Forwarded-For``, subscription and message floods. Each is refused before it costs the
server memory or descriptors, and other clients are still served."""

from __future__ import annotations

import json
import select
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.e2e.conftest import ADMIN_KEY, LiveServer, start_server

MIB = 1024 * 1024


def stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    if server.process.stderr is not None:
        server.process.stderr.close()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("hostile") / "exchange.sqlite",
        "--request-timeout",
        "1",
        "--max-connections-per-address",
        "16",
    )
    try:
        yield server
    finally:
        stop(server)


def address(server: LiveServer) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(server.url)
    assert parsed.hostname is not None
    assert parsed.port is not None
    return parsed.hostname, parsed.port


def open_socket(server: LiveServer, source: str = "127.0.0.1", timeout: float = 5) -> socket.socket:
    return socket.create_connection(address(server), timeout=timeout, source_address=(source, 0))


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def status_and_body(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def memory_kib(server: LiveServer) -> dict[str, int]:
    fields = Path(f"/proc/{server.process.pid}/status").read_text().splitlines()
    return {
        name: int(value.split()[0])
        for name, _, value in (line.partition(":") for line in fields)
        if name in ("VmRSS", "VmHWM")
    }


def ping(server: LiveServer, source: str = "127.0.0.1") -> tuple[int, float]:
    """GET /fapi/v1/ping from ``source``: the status and the seconds it took."""
    began = time.perf_counter()
    with open_socket(server, source) as sock:
        sock.sendall(b"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = read_answer(sock)
    return int(answer.split(b" ")[1]), time.perf_counter() - began


# --- bodies and headers ---------------------------------------------------------------------------


def upload(server: LiveServer, size: int, *, chunked: bool) -> bytes:
    """POST ``size`` bytes (declared, or chunked); send the body only if no answer comes to the
    headers alone, and stop as soon as one comes or the server hangs up."""
    sock = open_socket(server, timeout=30)
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}".encode()
    block = b"a" * MIB
    piece = f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block
    try:
        sock.sendall(b"POST /admin/deposit HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n\r\n")
        sent = 0
        while sent < size and not select.select([sock], [], [], 1.0 if sent == 0 else 0.0)[0]:
            sock.sendall(piece)
            sent += len(block)
        return read_answer(sock)
    except (BrokenPipeError, ConnectionResetError):
        return b""
    finally:
        sock.close()


def test_a_chunked_upload_is_cut_off_at_the_cap(guarded: LiveServer) -> None:
    before = memory_kib(guarded)

    upload(guarded, 64 * MIB, chunked=True)

    after = memory_kib(guarded)
    assert after["VmHWM"] - before["VmHWM"] < 32 * 1024, (before, after)
    assert ping(guarded)[0] == 200


def test_four_256_mib_uploads_leave_the_servers_memory_flat(guarded: LiveServer) -> None:
    before = memory_kib(guarded)
    answers: list[bytes] = []
    uploads = [
        threading.Thread(target=lambda: answers.append(upload(guarded, 256 * MIB, chunked=False)))
        for _ in range(4)
    ]

    for thread in uploads:
        thread.start()
    for thread in uploads:
        thread.join()
    after = memory_kib(guarded)

    assert len(answers) == 4
    for answer in answers:
        assert status_and_body(answer) == (
            413,
            {"code": -1101, "msg": f"Request body too large; the limit is {MIB} bytes."},
        )
    assert after["VmHWM"] - before["VmHWM"] < 32 * 1024, (before, after)


def test_headers_past_the_cap_get_431_and_a_closed_connection(guarded: LiveServer) -> None:
    with open_socket(guarded) as sock:
        sock.sendall(b"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200_000)
        answer = read_answer(sock)

    assert status_and_body(answer) == (
        431,
        {"code": -1101, "msg": "Request header fields too large."},
    )


# --- slow and silent clients ----------------------------------------------------------------------


def test_a_connection_that_sends_nothing_is_closed_after_the_request_timeout(
    guarded: LiveServer,
) -> None:
    began = time.perf_counter()
    with open_socket(guarded) as sock:
        answer = read_answer(sock)
    waited = time.perf_counter() - began

    assert status_and_body(answer)[0] == 408
    assert 0.5 < waited < 3


def test_headers_dribbled_a_byte_at_a_time_are_cut_off(guarded: LiveServer) -> None:
    began = time.perf_counter()
    with open_socket(guarded) as sock:
        sock.sendall(b"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(50):
                sock.sendall(b"X")
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_answer(sock)
    waited = time.perf_counter() - began

    assert status_and_body(answer)[0] == 408
    assert waited < 3


def is_open(sock: socket.socket) -> bool:
    """Whether the server still holds ``sock`` (no end of stream, whatever it sent first)."""
    sock.settimeout(0.0)
    try:
        while sock.recv(65536):
            pass
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False
    return False


def test_a_thousand_half_open_connections_from_one_address_leave_others_served(
    guarded: LiveServer,
) -> None:
    sockets = [open_socket(guarded) for _ in range(1000)]
    try:
        time.sleep(0.2)
        status, seconds = ping(guarded, "127.0.0.2")
        held = sum(is_open(sock) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()

    assert status == 200
    assert seconds < 0.5
    assert held <= 16  # --max-connections-per-address


# --- rate limits by address -----------------------------------------------------------------------


def pings_with(server: LiveServer, count: int, forwarded: str) -> list[tuple[int, str | None]]:
    answers = []
    for number in range(count):
        with open_socket(server) as sock:
            hop = forwarded.format(number=number)
            sock.sendall(
                b"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + f"X-Forwarded-For: {hop}\r\n\r\n".encode()
            )
            head = read_answer(sock).partition(b"\r\n\r\n")[0].decode().lower()
        retry = [line.split(":")[1].strip() for line in head.splitlines() if "retry-after" in line]
        answers.append((int(head.split(" ")[1]), retry[0] if retry else None))
    return answers


@pytest.mark.parametrize("trusted", [False, True])
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path, trusted: bool) -> None:
    extra = ["--weight-limit", "3", *(["--trusted-proxy", "127.0.0.1"] if trusted else [])]
    server = start_server(tmp_path / "exchange.sqlite", *extra)
    try:
        answers = pings_with(server, 4, "192.0.2.{number}")
    finally:
        stop(server)

    statuses = [status for status, _ in answers]
    if trusted:  # each client its own bucket
        assert statuses == [200, 200, 200, 200]
    else:  # one bucket, the peer's, whatever the header says (start_server pinged once too)
        assert statuses[-1] == 429
        retry = answers[-1][1]
        assert retry is not None
        assert 1 <= int(retry) <= 60


# --- WebSocket floods -----------------------------------------------------------------------------


def ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


def test_a_subscription_flood_gets_an_error_frame(guarded: LiveServer) -> None:
    names = [f"s{n}@aggTrade" for n in range(1025)]
    with connect(ws_url(guarded), max_size=None) as ws:
        ws.send(json.dumps({"method": "SUBSCRIBE", "params": names, "id": 1}))
        refused = json.loads(ws.recv(timeout=5))
        ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        listed = json.loads(ws.recv(timeout=5))

    assert refused["error"]["code"] == 2
    assert refused["id"] == 1
    assert listed == {"result": [], "id": 2}


def test_a_message_flood_closes_the_connection(guarded: LiveServer) -> None:
    with connect(ws_url(guarded)) as ws:
        for number in range(30):
            ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": number}))
        replies = [ws.recv(timeout=5) for _ in range(10)]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)

    assert all(json.loads(reply)["result"] == [] for reply in replies)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


def churn(server: LiveServer, connections: int) -> None:
    for number in range(connections):
        with connect(ws_url(server) + "/btcusdt@markPrice") as ws:
            ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": number}))
            ws.recv(timeout=5)


def test_closed_websockets_leave_no_memory_behind(guarded: LiveServer) -> None:
    churn(guarded, 300)  # the allocator's own pools, filled once
    before = memory_kib(guarded)["VmRSS"]

    churn(guarded, 1000)

    assert memory_kib(guarded)["VmRSS"] - before < 4 * 1024  # was ~10 MiB a thousand


# --- hostile parameters over the wire -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "/fapi/v1/depth?symbol=BTCUSDT&limit=%C2%B9", b""),
        ("GET", "/fapi/v1/depth?symbol=BTCUSDT&limit=" + "9" * 5000, b""),
        ("POST", "/admin/deposit", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
        ("POST", "/admin/time?ms=%D9%A2", b""),
        ("POST", "/fapi/v1/order", b'{"quantity": ' + b"9" * 5000 + b"}"),
    ],
    ids=["superscript", "5000 digits", "deep json", "arabic digits", "huge json number"],
)
def test_hostile_parameters_get_binance_errors_never_a_500(
    guarded: LiveServer, method: str, target: str, body: bytes
) -> None:
    with open_socket(guarded) as sock:
        sock.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"X-ADMIN-KEY: {ADMIN_KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status, answer = status_and_body(read_answer(sock))

    assert 400 <= status < 500
    assert set(answer) == {"code", "msg"}
    assert isinstance(answer["code"], int)
    assert answer["code"] < 0
