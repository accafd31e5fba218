"""The server's background tasks, supervised: time passing, the price walk or file, listen keys.

Every task feeds commands through the same single loop as the routes (``Server.feed``). A task
never dies silently: a command the journal could not take (``JournalUnavailable``: the exchange
undid it) is logged and the task goes on at its next tick; anything else is a broken invariant
and halts the server (``Server.halt``: one line, the process ends, the journal is the truth).
A price file that has been replayed to its end is the one task allowed to finish.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable

from liquidator.api.rest import countdown
from liquidator.api.server import Server
from liquidator.api.settings import Settings
from liquidator.app.flow import Flow, FlowConfig, run_flow
from liquidator.core.exchange.commands import AdvanceTime, SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.venue import PriceSource
from liquidator.core.money.fixed import Price

#: A recorded price path to feed: ``(moment_ms, raw price)`` in time order (the composition root
#: reads it from the price file, each minute along its kline path).
PriceTicks = Callable[[], Iterable[tuple[int, int]]]

log = logging.getLogger("liquidator.api")
LISTEN_KEY_SWEEP_S = 30


def start(
    server: Server, settings: Settings, price_ticks: PriceTicks | None = None
) -> list[asyncio.Task[None]]:
    """Start every background task ``settings`` asks for, each under supervision."""
    jobs: dict[str, Callable[[], Awaitable[None]]] = {
        "heartbeat": lambda: heartbeat(server, settings),
        "listen-key expiry": lambda: expire(server),
        "countdown cancel": lambda: countdown.watch(server),
    }
    if price_ticks is not None:
        jobs["price file"] = lambda: replay_file(server, settings, price_ticks)
    if settings.price_walk:
        jobs["price walk"] = lambda: walk(server, settings)
    if settings.flow_per_minute > 0:
        flow = Flow(FlowConfig(settings.flow_per_minute, settings.walk_seed))
        live = server.live
        jobs["flow"] = lambda: run_flow(flow, lambda: live.venue, live.now_ms, server.feed)
    return [asyncio.create_task(supervised(server, name, job)) for name, job in jobs.items()]


async def supervised(server: Server, name: str, job: Callable[[], Awaitable[None]]) -> None:
    """Run ``job``; if it fails, log why and halt the server (never a silent death)."""
    try:
        await job()
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.exception("the background task %r failed", name)
        server.halt(f"the background task {name!r} failed: {error!r}")


async def heartbeat(server: Server, settings: Settings) -> None:
    """Let time pass on the wall clock: funding, samples, the funds' unwinding."""
    if settings.simulated_start_ms is not None or settings.heartbeat_ms <= 0:
        return
    while True:
        await asyncio.sleep(settings.heartbeat_ms / 1000)
        server.feed(AdvanceTime())


async def walk(server: Server, settings: Settings) -> None:
    """A seeded geometric random walk of every index price (the default price source)."""
    rng = random.Random(settings.walk_seed)
    while True:
        await asyncio.sleep(settings.walk_interval_ms / 1000)
        for symbol, state in sorted(server.live.venue.symbols.items()):
            if state.index_price <= 0:
                continue
            step = math.exp(rng.gauss(0.0, settings.walk_bps / 10_000))
            tick = state.instrument.tick_size.raw
            target = int(state.index_price * step)
            target = max(tick, target - target % tick)
            server.feed(SetIndexPrice(symbol, Price(target)))


async def replay_file(server: Server, settings: Settings, price_ticks: PriceTicks) -> None:
    """Replay a recorded price path as ``price_symbol``'s index (and fed mark), ``price_speed``
    times real time."""
    symbol = settings.price_symbol
    state = server.live.venue.symbols[symbol]
    feed = settings.venue.mark_source is PriceSource.FEED
    tick = state.instrument.tick_size.raw
    began, first_ms = time.perf_counter(), None
    for moment, raw in price_ticks():
        first_ms = moment if first_ms is None else first_ms
        wait = began + (moment - first_ms) / 1000 / settings.price_speed - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        price = Price(max(tick, raw - raw % tick))
        server.feed(SetIndexPrice(symbol, price))
        if feed:
            server.feed(SetMarkPrice(symbol, price))
    log.info("the price file %s has been replayed", settings.price_file)


async def expire(server: Server) -> None:
    """Drop expired listen keys (and close their streams) every half minute."""
    while True:
        await asyncio.sleep(LISTEN_KEY_SWEEP_S)
        server.hub.expire_listen_keys()
