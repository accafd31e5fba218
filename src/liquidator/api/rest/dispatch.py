"""Binance's REST paths found by one dictionary lookup, ahead of the framework's router.

Every Binance path is fixed (no path parameters), so ``(method, path)`` finds a route's
endpoint in one step. :class:`RouteTable` serves such a request itself: the body capped first
(``guard.BodyLimit``), then the endpoint (``routing.endpoint``: weight, parameters, auth,
handler, durable answer), then its answer. FastAPI's stack (its telemetry and exception
middlewares, the exit stack, a pattern match per route, dependency solving) cost a quarter of
the server's time per signed order (benchmarks/api_orders.py) and added nothing a route uses;
it still serves everything else: the OpenAPI schema and its pages, the WebSockets, the
dashboard, a path with a trailing slash, and unknown paths and methods (-5000).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from liquidator.api.errors import UNKNOWN
from liquidator.api.guard import BodyLimit

log = logging.getLogger("liquidator.api")

Endpoint = Callable[[Request], Awaitable[Response]]


def unexpected_answer() -> JSONResponse:
    """The answer to a failure no route foresaw (logged by the caller): -1000, HTTP 500."""
    return JSONResponse(
        {"code": UNKNOWN, "msg": "An unknown error occurred while processing the request."},
        status_code=500,
    )


class RouteTable:
    """ASGI: the requests for ``endpoints`` served directly; everything else to ``app``."""

    def __init__(
        self, app: ASGIApp, endpoints: Mapping[tuple[str, str], Endpoint], max_body_bytes: int
    ) -> None:
        self.app = app
        self._lanes: dict[tuple[str, str], ASGIApp] = {
            key: BodyLimit(_Lane(serve), max_body_bytes) for key, serve in endpoints.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            lane = self._lanes.get((scope["method"], scope["path"]))
            if lane is not None:
                await lane(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Lane:
    """One route's endpoint as an ASGI app (after the body limit)."""

    def __init__(self, serve: Endpoint) -> None:
        self._serve = serve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._serve(request)
        except Exception:  # a defect: logged, answered in Binance's shape, the server goes on
            log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            response = unexpected_answer()
        await response(scope, receive, send)
