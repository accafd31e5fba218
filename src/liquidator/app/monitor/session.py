"""The monitor's loop: REST for the start state, the streams after, a tick for the figures.

Connecting: open the stream with a fresh listen key first, then read the snapshot from REST
(so no update falls between the two), then subscribe the held symbols' mark streams. Each tick
(``interval_s``) that follows a change solves every position and hands the lines and the alerts
that fire to the output. The listen key is kept alive every ``keepalive_s``; REST is read again
every ``refresh_s`` (Binance's own liquidation price, ADL quantiles), after a liquidation or
ADL, when a position appears on a symbol the book does not know, and when the positions
cannot form one account (a half-applied update; twice in a row ends the command). A silent
link is probed after 20 s and dropped after 60 s. Whenever the stream ends (the exchange gone,
the listen key expired or rejected), the session reconnects, waiting 1, 2, 4 ... up to 60 s
between tries (the exchange's ``Retry-After`` when it gives one), and resynchronises from REST.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from liquidator.app.monitor.alerts import Alert, AlertGate, Thresholds
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import (
    ForcedOrder,
    ListenKeyExpired,
    MarginCalled,
    MarkMoved,
    PositionChanged,
    PositionKey,
    Snapshot,
    StreamDown,
    StreamEvent,
    WalletChanged,
)
from liquidator.app.monitor.figures import PositionLine, position_lines, reported_differences
from liquidator.app.monitor.ports import (
    AccountSource,
    ExchangeDataError,
    ListenKeyRejectedError,
    StreamHandle,
    StreamPort,
    UnreachableError,
)
from liquidator.app.monitor.solver import AccountSolver
from liquidator.app.monitor.volatility import daily_sigma


@dataclass(frozen=True, slots=True)
class Settings:
    interval_s: float = 1.0
    refresh_s: float = 60.0
    keepalive_s: float = 1800.0
    volatility_minutes: int = 1440
    volatility_refresh_s: float = 3600.0
    symbols: frozenset[str] = frozenset()  # shown and alerted (empty: all); all are followed
    probe_after_s: float = 20.0
    silence_limit_s: float = 60.0
    backoff_first_s: float = 1.0
    backoff_max_s: float = 60.0
    stable_after_s: float = 30.0  # a connection this old resets the back-off


class Output(Protocol):
    """Where the session's results go (the command line supplies it)."""

    def lines(self, lines: list[PositionLine], book: AccountBook) -> None: ...

    def alert(self, alert: Alert) -> None: ...

    def status(self, message: str) -> None: ...


class _Reconnect(Exception):  # noqa: N818 (control flow, not an error)
    def __init__(self, reason: str, *, at_once: bool = False) -> None:
        super().__init__(reason)
        self.at_once = at_once


class MonitorSession:
    """Follows one account until ``stop`` is set."""

    def __init__(
        self,
        source: AccountSource,
        streams: StreamPort,
        output: Output,
        thresholds: Thresholds,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source, self.streams, self.output = source, streams, output
        self.settings, self.clock = settings, clock
        self.gate = AlertGate(thresholds)
        self.events: queue.Queue[StreamEvent] = queue.Queue()
        self.stop = threading.Event()
        self.generation = 0
        self.book: AccountBook | None = None
        self.connection: StreamHandle | None = None
        self.sigmas: dict[str, float | None] = {}
        self.differs: dict[PositionKey, bool] = {}
        self.listen_key = ""
        self.dirty = False
        self.subscribed: set[str] = set()
        self.due: dict[str, float] = {}
        self.last_message = 0.0
        self.inconsistent = False
        self.solver = AccountSolver()

    def run(self) -> None:
        """Follow the account, reconnecting after every gap, until ``stop`` is set."""
        delay = self.settings.backoff_first_s
        while not self.stop.is_set():
            started = self.clock()
            try:
                self._connect()
                self._follow()
            except (UnreachableError, _Reconnect) as error:
                self._close()
                if self.clock() - started >= self.settings.stable_after_s:
                    delay = self.settings.backoff_first_s
                wait = 0.0 if isinstance(error, _Reconnect) and error.at_once else delay
                if isinstance(error, UnreachableError) and error.retry_after_s:
                    wait = error.retry_after_s
                self.output.status(f"{error}; reconnecting in {wait:g} s")
                self.stop.wait(wait)
                if wait:
                    delay = min(delay * 2, self.settings.backoff_max_s)
        self._close()

    def _connect(self) -> None:
        self.generation += 1
        self.listen_key = self.source.open_listen_key()
        self.subscribed = set()
        self.connection = self.streams.open([self.listen_key], self.events.put, self.generation)
        now = self.clock()
        self.last_message = now
        first = self.book is None
        self._resync()
        if not first:
            self.output.status("reconnected; resynchronised from REST")
        self.due.update(
            keepalive=now + self.settings.keepalive_s,
            refresh=now + self.settings.refresh_s,
            tick=now,
        )

    def _resync(self) -> None:
        """Read the whole account from REST again; subscribe any new symbol's mark stream."""
        snapshot: Snapshot = self.source.snapshot()
        self.book = AccountBook(snapshot)
        self.solver = AccountSolver()  # a new market: nothing solved before holds
        self.differs = dict(reported_differences(snapshot))
        self._refresh_volatility(force=False)
        self.dirty = True
        names = [f"{symbol.lower()}@markPrice@1s" for symbol in self.book.symbols()]
        new = [name for name in names if name not in self.subscribed]
        if new and self.connection is not None:
            self.connection.subscribe(new)
            self.subscribed.update(new)

    def _refresh_volatility(self, *, force: bool) -> None:
        assert self.book is not None
        for symbol in self.book.symbols():
            if force or symbol not in self.sigmas:
                closes = self.source.mark_closes(symbol, self.settings.volatility_minutes)
                self.sigmas[symbol] = daily_sigma(closes)
        self.due["volatility"] = self.clock() + self.settings.volatility_refresh_s

    def _follow(self) -> None:
        while not self.stop.is_set():
            wait = max(0.0, self.due["tick"] - self.clock())
            try:
                self._handle(self.events.get(timeout=wait))
                while True:
                    self._handle(self.events.get_nowait())
            except queue.Empty:
                pass
            self._timers(self.clock())

    def _handle(self, event: StreamEvent) -> None:
        assert self.book is not None
        self.last_message = self.clock()
        if isinstance(event, MarkMoved):
            self.dirty |= self.book.move_mark(event)
        elif isinstance(event, WalletChanged):
            self.book.set_wallet(event)
            self.dirty = True
        elif isinstance(event, PositionChanged):
            if not self.book.change_position(event):
                self._resync()
            self.dirty = True
        elif isinstance(event, ForcedOrder):
            self._send(self.gate.forced(event))
            self.due["refresh"] = min(self.due["refresh"], self.clock() + 1.0)
        elif isinstance(event, MarginCalled):
            self._send(self.gate.margin_call(event))
        elif isinstance(event, ListenKeyExpired):
            raise _Reconnect("the listen key expired", at_once=True)
        elif isinstance(event, StreamDown) and event.generation == self.generation:
            raise _Reconnect(f"connection lost ({event.reason})")

    def _timers(self, now: float) -> None:
        if now >= self.due["tick"]:
            self._tick()
            self.due["tick"] = now + self.settings.interval_s
        if now >= self.due["keepalive"]:
            self.due["keepalive"] = now + self.settings.keepalive_s
            try:
                self.source.keep_alive(self.listen_key)
            except ListenKeyRejectedError:
                raise _Reconnect("the listen key expired or was closed", at_once=True) from None
        if now >= self.due["refresh"]:
            self.due["refresh"] = now + self.settings.refresh_s
            self._resync()
        if now >= self.due["volatility"]:
            self._refresh_volatility(force=True)
        self._check_link(now)

    def _check_link(self, now: float) -> None:
        silent = now - self.last_message
        if silent >= self.settings.silence_limit_s:
            raise _Reconnect(f"no message for {silent:.0f} s")
        if silent >= self.settings.probe_after_s and now >= self.due.get("probe", 0.0):
            self.due["probe"] = now + self.settings.probe_after_s
            if self.connection is not None:
                self.connection.probe()

    def _tick(self) -> None:
        if not self.dirty or self.book is None:
            return
        self.dirty = False
        try:
            lines = position_lines(self.book, self.sigmas, self.differs, self.solver)
        except ValueError as error:  # positions that cannot form one account (AccountError)
            if self.inconsistent:
                raise ExchangeDataError(f"the account cannot be read: {error}") from None
            self.inconsistent = True
            self.output.status(f"inconsistent account ({error}); resynchronising from REST")
            self._resync()
            return
        self.inconsistent = False
        if self.settings.symbols:
            lines = [line for line in lines if line.key[0] in self.settings.symbols]
        self.output.lines(lines, self.book)
        for alert in self.gate.check(lines):
            self.output.alert(alert)

    def _send(self, alert: Alert | None) -> None:
        if alert is not None:
            self.output.alert(alert)

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
