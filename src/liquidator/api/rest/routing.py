"""Routes as data: method, path, security, weight, documented parameters, and a handler.

Handlers are plain functions of a :class:`Call` that return JSON-ready values or raise
:class:`BinanceError`; :func:`endpoint` wraps one into an ASGI endpoint that reads the raw
query and body, checks security and weight, runs it, and answers in Binance's shape. The
parameters are declared for the OpenAPI schema (so schemathesis can fuzz them); values are read
by :class:`Params` from the query and the body alike, whatever the Content-Type.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from liquidator.api.auth import Caller
from liquidator.api.errors import BinanceError, unavailable
from liquidator.api.limits import RequestLimits, client_address
from liquidator.api.params import Params
from liquidator.app.json_text import compact_record
from liquidator.core.contracts.instrument import Instrument
from liquidator.read.history import HistoryWriteError

if TYPE_CHECKING:
    from liquidator.api.server import Server

log = logging.getLogger("liquidator.api")

ORDER_ROUTES = frozenset(  # counted by the per-account order limits (a batch counts once)
    (method, f"/{prefix}/v1/{path}")
    for prefix in ("fapi", "dapi")
    for method, path in (
        ("POST", "order"),
        ("PUT", "order"),
        ("POST", "algoOrder"),
        ("POST", "batchOrders"),
        ("PUT", "batchOrders"),
    )
)


class Family(Enum):
    """A market family, told by the path: COIN-M (``/dapi``, the inverse contracts), USDⓈ-M
    (Binance's other paths, the linear ones), or the venue's own (``/admin``, the pages: every
    contract). A route serves the symbols of its family only."""

    USDM = "fapi"
    COINM = "dapi"
    VENUE = "venue"

    @classmethod
    def of_path(cls, path: str) -> Family:
        if path.startswith("/dapi/"):
            return cls.COINM
        if path.startswith(("/fapi/", "/api/", "/sapi/", "/futures/")):
            return cls.USDM
        return cls.VENUE

    def lists(self, instrument: Instrument) -> bool:
        """Tell whether ``instrument`` is one of this family's contracts."""
        if self is Family.VENUE:
            return True
        return instrument.is_inverse == (self is Family.COINM)


class Security(Enum):
    NONE = "NONE"  # public market data
    USER_STREAM = "USER_STREAM"  # API key header only (listenKey)
    SIGNED = "SIGNED"  # API key, timestamp and signature
    ADMIN = "ADMIN"  # the server's admin key (X-ADMIN-KEY), off Binance's paths


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: str = "string"  # string | integer | number | boolean
    required: bool = False
    enum: tuple[str, ...] = ()

    def schema(self, symbols: tuple[str, ...] = ()) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.kind}
        if self.name == "symbol" and symbols:
            body["enum"] = list(symbols)  # the venue's own list: documents it, and aims fuzzing
        elif self.enum:
            body["enum"] = (
                [int(v) for v in self.enum] if self.kind == "integer" else list(self.enum)
            )
        return {"name": self.name, "in": "query", "required": self.required, "schema": body}


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    server: Server
    params: Params
    now_ms: int
    caller: Caller | None = None
    family: Family = Family.USDM

    @property
    def account(self) -> str:
        if self.caller is None:  # a route declared SIGNED always has one
            raise BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return self.caller.account


Handler = Callable[[Call], Any]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    security: Security = Security.NONE
    weight: int = 1
    params: tuple[Param, ...] = field(default_factory=tuple)
    summary: str = ""

    @property
    def family(self) -> Family:
        return Family.of_path(self.path)

    def run(self, call: Call) -> Any:
        """Run the handler; a history it reads that cannot be written now (a full disk: the
        write is kept and retried) is Binance's -1001, 503, retry later."""
        try:
            return self.handler(call)
        except HistoryWriteError as error:
            log.warning("%s %s: %s", self.method, self.path, error)
            raise unavailable() from error

    def openapi_extra(self, symbols: tuple[str, ...] = ()) -> dict[str, Any]:
        parameters = [p.schema(symbols) for p in self.params]
        if self.security is Security.SIGNED:
            parameters += [
                Param("timestamp", "integer", True).schema(),
                Param("recvWindow", "integer").schema(),
                Param("signature", "string", True).schema(),
            ]
        if self.security in (Security.SIGNED, Security.USER_STREAM):
            parameters.append(
                {
                    "name": "X-MBX-APIKEY",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                }
            )
        if self.security is Security.ADMIN:
            parameters.append(
                {
                    "name": "X-ADMIN-KEY",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                }
            )
        return {"parameters": parameters}


def endpoint(server: Server, route: Route, limits: RequestLimits) -> Callable[[Request], Any]:
    """Return the ASGI endpoint serving ``route``: weight first (per address, before the body
    is parsed or the key looked up), then parameters and auth, then the order count (per
    account, before the order reaches the engine), then the handler."""
    places_orders = (route.method, route.path) in ORDER_ROUTES
    family = route.family

    async def serve(request: Request) -> Response:
        now_ms = server.wall_ms()
        address = client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            limits.trusted_proxies,
        )
        try:
            used = server.limiter.spend(address, route.weight, now_ms)
        except BinanceError as error:
            return answer(error.body(), error.status, error.headers)
        headers = {"X-MBX-USED-WEIGHT-1M": str(used)}
        try:
            body = await request.body()
            params = Params(query_of(request), body)
            call = Call(server, params, server.live.now_ms(), family=family)
            call.caller = server.authorize(route.security, request, params)
            if places_orders and call.caller is not None:
                headers |= limits.orders.spend(call.caller.account, now_ms)
            result = route.run(call)
            await server.durable()  # nothing is shown before it is journaled
        except BinanceError as error:
            with contextlib.suppress(BinanceError):  # a refusal may follow commands (an account)
                await server.durable()
            return answer(error.body(), error.status, headers | error.headers)
        return answer(result, 200, headers)

    serve.__name__ = f"{route.method.lower()}_{route.path.strip('/').replace('/', '_')}"
    return serve


def query_of(request: Request) -> str:
    """The request's query string as text (what ``request.url.query`` gives, without building
    the whole URL)."""
    raw: bytes = request.scope.get("query_string", b"")
    return raw.decode()


def answer(content: Any, status: int, headers: dict[str, str]) -> Response:
    """A JSON answer, encoded with orjson where it can (``json_text.compact_record``)."""
    return Response(compact_record(content), status, headers, media_type="application/json")
