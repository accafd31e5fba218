"""Binance's REST paths are served by an exact lookup ahead of FastAPI (``api.rest.dispatch``);
everything else still reaches the framework, and both answer alike."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from liquidator.api.errors import BinanceError
from liquidator.api.rest.dispatch import RouteTable
from liquidator.api.rest.routing import Call, Route, Security
from liquidator.read.history import HistoryWriteError
from tests.api.conftest import limit_order, open_account


async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"from": "framework"})(scope, receive, send)


async def broken(request: Request) -> Response:
    raise RuntimeError("a defect in a route")


async def echo(request: Request) -> Response:
    return JSONResponse({"body": (await request.body()).decode(), "query": request.url.query})


def table_client() -> TestClient:
    table = RouteTable(fallback, {("POST", "/x/broken"): broken, ("POST", "/x/echo"): echo}, 64)
    return TestClient(table, raise_server_exceptions=False)


def test_a_route_is_served_by_its_method_and_exact_path_and_the_rest_falls_through() -> None:
    client = table_client()

    assert client.post("/x/echo?a=1", content=b"b=2").json() == {"body": "b=2", "query": "a=1"}
    assert client.get("/x/echo").json() == {"from": "framework"}  # another method
    assert client.post("/x/echo/").json() == {"from": "framework"}  # another path
    assert client.post("/x/other").json() == {"from": "framework"}


def test_a_route_body_is_capped_before_the_route_runs() -> None:
    response = table_client().post("/x/echo", content=b"a" * 65)

    assert response.status_code == 413
    assert response.json()["code"] == -1101


def test_a_defect_in_a_route_is_logged_and_answered_in_binance_shape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="liquidator.api"):
        response = table_client().post("/x/broken")

    assert response.status_code == 500
    assert response.json() == {
        "code": -1000,
        "msg": "An unknown error occurred while processing the request.",
    }
    assert "unexpected error on POST /x/broken" in caplog.text


def test_the_server_answers_binance_paths_first_and_leaves_the_rest_to_fastapi(
    client: TestClient,
) -> None:
    alice = open_account(client, "alice")
    placed = limit_order(alice)
    assert placed.status_code == 200
    assert placed.headers["content-type"] == "application/json"
    assert placed.json()["status"] == "NEW"

    wrong_method = client.delete("/fapi/v1/ping")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == -5000
    unknown = client.get("/fapi/v1/nothing")
    assert unknown.status_code == 404
    assert unknown.json() == {"code": -5000, "msg": "Path /fapi/v1/nothing, Method GET is invalid"}
    assert "/fapi/v1/order" in client.get("/openapi.json").json()["paths"]


def test_a_history_that_cannot_be_written_now_is_a_503_to_retry() -> None:
    def needs_history(call: Call) -> object:
        raise HistoryWriteError("venue.sqlite: database or disk is full")

    route = Route("GET", "/fapi/v1/userTrades", needs_history, Security.SIGNED)

    with pytest.raises(BinanceError) as refused:
        route.run(None)  # type: ignore[arg-type]

    assert (refused.value.code, refused.value.status) == (-1001, 503)
    assert refused.value.headers == {"Retry-After": "1"}
