"""Auto-cancel (``POST /fapi/v1/countdownCancelAll``): a dead man's switch per account and symbol.

A countdown set to ``countdownTime`` ms cancels every open order of the symbol when the venue's
clock (the wall clock, or simulated time) passes its deadline, unless it is set again before
(the heartbeat) or set to 0 (off). The deadlines live in memory, per server, as on Binance they
do not outlive a session; the cancel itself is an ordinary ``CancelAllOrders`` command through
the single loop (journaled, replayed). A background task checks them every 100 ms of wall time.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from liquidator.api.errors import invalid
from liquidator.api.rest.routes_market import SYMBOL, symbol_state
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.core.exchange.commands import CancelAllOrders

if TYPE_CHECKING:
    from liquidator.api.server import Server

CHECK_S = 0.1
Deadlines = dict[tuple[str, str], int]  # (account, symbol) -> venue ms at which to cancel
_DEADLINES: WeakKeyDictionary[Any, Deadlines] = WeakKeyDictionary()


def deadlines(live: object) -> Deadlines:
    """The countdowns of the venue ``live`` (a server's LiveExchange; made on first use)."""
    return _DEADLINES.setdefault(live, {})


def due(table: Deadlines, now_ms: int) -> list[tuple[str, str]]:
    """Remove and return the countdowns whose deadline has passed."""
    fired = sorted(key for key, deadline in table.items() if deadline <= now_ms)
    for key in fired:
        del table[key]
    return fired


def fire(server: Server) -> None:
    """Cancel the orders of every countdown that ran out."""
    for account, symbol in due(deadlines(server.live), server.live.now_ms()):
        server.feed(CancelAllOrders(account, symbol))


async def watch(server: Server) -> None:
    """Fire the countdowns as time passes (a background task)."""
    while True:
        await asyncio.sleep(CHECK_S)
        fire(server)


def countdown_cancel_all(call: Call) -> dict[str, Any]:
    symbol = symbol_state(call).instrument.symbol
    countdown = call.params.integer("countdownTime", required=True)
    assert countdown is not None
    if countdown < 0:
        raise invalid("countdownTime")
    table = deadlines(call.server.live)
    if countdown == 0:
        table.pop((call.account, symbol), None)
    else:
        table[(call.account, symbol)] = call.now_ms + countdown
    return {"symbol": symbol, "countdownTime": str(countdown)}


ROUTES = (
    Route(
        "POST",
        "/fapi/v1/countdownCancelAll",
        countdown_cancel_all,
        Security.SIGNED,
        10,
        (SYMBOL, Param("countdownTime", "integer", True)),
    ),
)
