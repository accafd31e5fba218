"""Binance's WebSocket API for USDⓈ-M futures (``/ws-fapi/v1``), on the REST routes' handlers.

A request is ``{"id", "method", "params"}``; the answer ``{"id", "status", "result"}`` or
``{"id", "status", "error": {"code", "msg"}}``, with ``rateLimits`` (the request weight used in
the minute) unless the request says ``returnRateLimits: false``. Each method runs the handler of
the REST route it mirrors (``METHODS``), with the same parameters, weight, order limits, engine
commands and views, so an order placed here is the order ``GET /fapi/v1/order`` shows.

Signing: the payload is the parameters but ``signature``, sorted by name, written ``k=v`` joined
by ``&`` (booleans ``true``/``false``), with ``apiKey`` among them; HMAC-SHA256 or Ed25519 as on
REST. ``session.logon`` (an Ed25519 key only, as Binance) authenticates the connection: later
requests then need only their ``timestamp``. A state-changing request's signature is spent as on
REST (``auth``): its replay is -1022 and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from liquidator.api.auth import Caller
from liquidator.api.errors import BinanceError
from liquidator.api.limits import RequestLimits
from liquidator.api.params import Params
from liquidator.api.rest.routing import Call, Route
from liquidator.app.json_text import compact_record
from liquidator.app.keys import KeyKind

if TYPE_CHECKING:
    from liquidator.api.server import Server

PATH = "/ws-fapi/v1"
METHODS: dict[str, tuple[str, str]] = {
    "order.place": ("POST", "/fapi/v1/order"),
    "order.modify": ("PUT", "/fapi/v1/order"),
    "order.cancel": ("DELETE", "/fapi/v1/order"),
    "order.status": ("GET", "/fapi/v1/order"),
    "account.position": ("GET", "/fapi/v2/positionRisk"),
    "v2/account.position": ("GET", "/fapi/v3/positionRisk"),
    "account.balance": ("GET", "/fapi/v2/balance"),
    "v2/account.balance": ("GET", "/fapi/v3/balance"),
    "account.status": ("GET", "/fapi/v2/account"),
    "v2/account.status": ("GET", "/fapi/v3/account"),
}
MUTATING = frozenset({"order.place", "order.modify", "order.cancel"})
ORDER_METHODS = frozenset({"order.place", "order.modify"})
HMAC_NOT_SUPPORTED = -4056


@dataclass
class Session:
    """One connection: when it opened, and the key it logged on with (if it did)."""

    address: str
    connected_ms: int
    caller: Caller | None = None
    authorized_ms: int = 0


def payload_text(params: dict[str, Any]) -> str:
    """The signed text: every parameter but ``signature``, sorted, ``k=v`` joined by ``&``."""
    return _payload_of({name: _text(value) for name, value in params.items()})


def _payload_of(values: dict[str, str]) -> str:
    return "&".join(f"{name}={values[name]}" for name in sorted(values) if name != "signature")


def _request_of(text: str) -> Any:
    """The frame's JSON value, as ``json.loads`` reads it.

    orjson reads a request of text, integer, boolean and null values (what clients send) the
    same way, three times faster; it reads an integer past 64 bits as a float, refuses ``NaN``
    and stops at a shallower nesting, so any other request goes to ``json``."""
    try:
        request = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    if type(request) is dict and all(
        type(value) in _SCALARS or (name == "params" and _flat(value))
        for name, value in request.items()
    ):
        return request
    return json.loads(text)


_SCALARS = frozenset({str, int, bool, type(None)})


def _flat(params: Any) -> bool:
    return type(params) is dict and all(type(value) in _SCALARS for value in params.values())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class WsApi:
    """Answers the requests of one server's WebSocket API connections."""

    def __init__(self, server: Server, routes: tuple[Route, ...], limits: RequestLimits) -> None:
        self.server = server
        self.limits = limits
        self.routes = {
            name: route
            for name, key in METHODS.items()
            for route in routes
            if (route.method, route.path) == key
        }

    def answer(self, session: Session, text: str) -> dict[str, Any]:
        """The response to one request frame (never raises a Binance error)."""
        ident: Any = None
        rate_limits = True
        try:
            request = _request_of(text)
            if not isinstance(request, dict):
                raise BinanceError(-1000, "Invalid request: not a JSON object.")
            ident, method = request.get("id"), request.get("method")
            params = request.get("params") or {}
            if not isinstance(params, dict) or not isinstance(method, str):
                raise BinanceError(-1000, "Invalid request: method and params required.")
            rate_limits = params.get("returnRateLimits", True) is not False  # signed too
            result, used = self._run(session, method, params)
            body: dict[str, Any] = {"id": ident, "status": 200, "result": result}
        except BinanceError as error:
            body = {"id": ident, "status": error.status, "error": error.body()}
            used = self._used(session.address)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: nested too deep
            body = {"id": None, "status": 400, "error": {"code": -1000, "msg": "Invalid JSON."}}
            used = 0
        if rate_limits:
            body["rateLimits"] = [self._weight_limit(used)]
        return body

    def _used(self, address: str) -> int:
        """The minute's weight of ``address`` so far (a refused request adds nothing)."""
        try:
            return self.server.limiter.spend(address, 0, self.server.wall_ms())
        except BinanceError:
            return self.server.limiter.limit

    def _weight_limit(self, used: int) -> dict[str, Any]:
        return {
            "rateLimitType": "REQUEST_WEIGHT",
            "interval": "MINUTE",
            "intervalNum": 1,
            "limit": self.server.limiter.limit,
            "count": used,
        }

    def _run(self, session: Session, method: str, params: dict[str, Any]) -> tuple[Any, int]:
        now = self.server.wall_ms()
        if method.startswith("session."):
            used = self.server.limiter.spend(session.address, 2, now)
            return self._session(session, method, params, now), used
        route = self.routes.get(method)
        if route is None:
            raise BinanceError(-1000, f"Invalid request: unknown method '{method}'.")
        used = self.server.limiter.spend(session.address, route.weight, now)
        call = Call(self.server, self._params(params), self.server.live.now_ms())
        call.caller = self._caller(session, call.params, mutating=method in MUTATING)
        self.server.ensure_account(call.caller.account)
        if method in ORDER_METHODS:
            self.limits.orders.spend(call.caller.account, now)
        return route.run(call), used

    @staticmethod
    def _params(params: dict[str, Any]) -> Params:
        """The request's parameters as a handler reads them; ``query`` is the signed text."""
        values = {
            name: value if type(value) is str else _text(value) for name, value in params.items()
        }
        payload = _payload_of(values)
        merged = Params("", b"")  # filled directly: the JSON is already parsed
        merged.values = values
        # A lone surrogate (JSON's "\ud800") has no UTF-8: written as "?", it signs nothing
        # a client could have signed, so the request is -1022 instead of a dropped connection.
        merged.signed_payload = payload.encode("utf-8", "replace")
        signature = values.get("signature")
        merged.query = payload if signature is None else f"{payload}&signature={signature}"
        return merged

    def _caller(self, session: Session, params: Params, *, mutating: bool) -> Caller:
        if "signature" not in params and session.caller is not None:
            params.integer("timestamp", required=True)
            return session.caller
        return self.server.auth.signed(
            params.text("apiKey"), params, self.server.wall_ms(), mutating=mutating
        )

    def _session(
        self, session: Session, method: str, params: dict[str, Any], now: int
    ) -> dict[str, Any]:
        if method == "session.logon":
            caller = self.server.auth.signed(
                str(params.get("apiKey", "")), self._params(params), now, mutating=True
            )
            if caller.key.kind is KeyKind.HMAC:
                raise BinanceError(HMAC_NOT_SUPPORTED, "HMAC_SHA256 API key is not supported.")
            session.caller, session.authorized_ms = caller, now
        elif method == "session.logout":
            session.caller, session.authorized_ms = None, 0
        elif method != "session.status":
            raise BinanceError(-1000, f"Invalid request: unknown method '{method}'.")
        return {
            "apiKey": session.caller.key.key if session.caller else None,
            "authorizedSince": session.authorized_ms or None,
            "connectedSince": session.connected_ms,
            "returnRateLimits": True,
            "serverTime": now,
        }


def ws_api_endpoint(
    holder: dict[str, Server], routes: tuple[Route, ...], limits: RequestLimits
) -> Callable[[WebSocket], Awaitable[None]]:
    """Return the endpoint of ``/ws-fapi/v1``."""
    apis: dict[int, WsApi] = {}

    async def serve(websocket: WebSocket) -> None:
        server = holder["server"]
        api = apis.get(id(server))
        if api is None:
            api = apis[id(server)] = WsApi(server, routes, limits)
        address = websocket.client.host if websocket.client else "unknown"
        session = Session(address, server.wall_ms())
        await websocket.accept()
        replies: asyncio.Queue[Reply] = asyncio.Queue()
        sender = asyncio.create_task(_send_replies(websocket, replies))
        try:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                while not sender.done():
                    text = await websocket.receive_text()  # at once while frames are queued
                    reply = api.answer(session, text)
                    try:
                        replies.put_nowait((reply, server.written()))
                    except BinanceError as error:  # written at once, and refused: undone
                        replies.put_nowait((_refused(reply, error), None))
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await sender

    return serve


Reply = tuple[dict[str, Any], "asyncio.Future[None] | None"]


async def _send_replies(websocket: WebSocket, replies: asyncio.Queue[Reply]) -> None:
    """Send each reply, in the order of the requests, once its commands are journaled.

    The connection reads on meanwhile: every frame already received is answered in the same
    turn of the loop, so the requests of a busy connection share one journal write and one
    send, instead of one turn each."""
    while True:
        reply, written = await replies.get()
        if written is not None:
            try:
                await asyncio.shield(written)  # nothing is shown before it is journaled
            except BinanceError as error:  # the batch was undone: so was this request
                reply = _refused(reply, error)
        await websocket.send_text(compact_record(reply))  # orjson where it can


def _refused(reply: dict[str, Any], error: BinanceError) -> dict[str, Any]:
    return {"id": reply.get("id"), "status": error.status, "error": error.body()}
