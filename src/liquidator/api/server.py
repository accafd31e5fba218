"""What a running server holds: the live exchange, keys, limits, listen keys, the stream hub.

The engine runs as one deterministic loop: every route and background task submits commands
through :meth:`Server.submit` on the event loop's single thread, one at a time; nothing else
mutates state.

When the journal cannot take a command (:class:`~liquidator.app.journal.JournalUnavailable`:
the exchange undid it), the request gets Binance's -1001 with HTTP 503 and ``Retry-After``,
and the server goes on. Any other journal failure is a broken invariant: the server writes one
line and stops at once (:func:`stop_process`), without a snapshot or another answer, since its
live state may be ahead of its disk; a restart recovers from the journal.

Group commit: inside the event loop, the commands handled in one turn of the loop are journaled
together at its end (:meth:`Server.submit` schedules :meth:`Server.group_flush` with
``call_soon``), and every answer and every stream message waits for that write
(:meth:`Server.durable`): nothing is shown before it is on disk, and one SQLite commit serves
all the requests that arrived together. If that write fails, the batch's commands are undone,
every request waiting on it gets -1001 (HTTP 503), and the stream connections are closed (their
queued messages may tell of undone commands; clients reconnect, as after any outage). Outside a
running loop (start-up, tests) each command is written at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from liquidator.api.auth import Authenticator, Caller
from liquidator.api.errors import INVALID_LISTEN_KEY, BinanceError, rejected, unavailable
from liquidator.api.limits import WeightLimiter
from liquidator.api.params import Params
from liquidator.api.rest.routing import Security
from liquidator.api.streams.hub import Hub
from liquidator.app.clock import Clock
from liquidator.app.journal import JournalError, JournalUnavailable
from liquidator.app.keys import KeyStore, KeyStoreError
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Outcome
from liquidator.core.exchange.commands import Command, OpenAccount

log = logging.getLogger("liquidator.api")

HALT_EXIT_CODE = 70  # EX_SOFTWARE: an internal invariant broke


def stop_process(reason: str) -> None:
    """Write ``reason`` as one line and end the process now (no shutdown, no snapshot)."""
    sys.stderr.write(f"liquidator: fatal: {reason}; stopping\n")
    sys.stderr.flush()
    os._exit(HALT_EXIT_CODE)


LISTEN_KEY_TTL_MS = 60 * 60 * 1000


@dataclass
class ListenKeys:
    """listenKey -> (account, expiry in wall ms); one key per account, as Binance."""

    keys: dict[str, tuple[str, int]] = field(default_factory=dict)

    def open(self, account: str, now_ms: int) -> str:
        for key, (owner, _) in self.keys.items():
            if owner == account:
                self.keys[key] = (owner, now_ms + LISTEN_KEY_TTL_MS)
                return key
        key = secrets.token_urlsafe(48)[:64]
        self.keys[key] = (account, now_ms + LISTEN_KEY_TTL_MS)
        return key

    def keep_alive(self, account: str, now_ms: int) -> str:
        for key, (owner, _) in self.keys.items():
            if owner == account:
                self.keys[key] = (owner, now_ms + LISTEN_KEY_TTL_MS)
                return key
        raise BinanceError(INVALID_LISTEN_KEY, "This listenKey does not exist.")

    def close(self, account: str) -> None:
        for key in [k for k, (owner, _) in self.keys.items() if owner == account]:
            del self.keys[key]

    def account_of(self, key: str, now_ms: int) -> str | None:
        found = self.keys.get(key)
        if found is None or found[1] < now_ms:
            return None
        return found[0]

    def expired(self, now_ms: int) -> list[str]:
        gone = [k for k, (_, expiry) in self.keys.items() if expiry < now_ms]
        for key in gone:
            del self.keys[key]
        return gone


class Server:
    """The state behind the routes."""

    def __init__(
        self,
        live: LiveExchange,
        market: Market,
        keys: KeyStore,
        *,
        admin_key: str,
        weight_limit: int,
        check_timestamp: bool,
        wall_clock: Clock,
        on_fatal: Callable[[str], None] = stop_process,
    ) -> None:
        self.live = live
        self.market = market
        self.keys = keys
        self.admin_key = admin_key
        self.wall_clock = wall_clock  # request timestamps, listen keys, replay windows
        self.auth = Authenticator(keys, check_timestamp=check_timestamp)
        self.limiter = WeightLimiter(weight_limit)
        self.listen_keys = ListenKeys()
        self.hub = Hub(self)
        self.on_fatal = on_fatal
        self.halted: str | None = None  # why the server stopped serving, once it has
        self._flush_due = False  # a group flush is scheduled on the loop
        self._flushed: asyncio.Future[None] | None = None  # what waiting answers await
        live.listeners.append(self.hub.publish)

    def wall_ms(self) -> int:
        return self.wall_clock.now_ms()

    def submit(self, command: Command) -> Outcome:
        """Run a command; a refusal becomes Binance's error (nothing changed)."""
        if self.halted is not None:
            raise unavailable()
        try:
            outcome = self.live.submit(command)
        except JournalUnavailable as error:
            log.warning(
                "%s refused, the journal cannot be written: %s", type(command).__name__, error
            )
            self.hub.follow_venue()
            raise unavailable() from error
        except JournalError as error:
            self.halt(f"the journal failed: {error}")
            raise unavailable() from error
        except Exception as error:  # the engine refuses by value: a raise is a broken invariant
            self.halt(f"the engine failed on {type(command).__name__}: {error!r}")
            raise unavailable() from error
        if self.live.pending:
            self._schedule_flush()
        if outcome.rejection is not None:
            raise rejected(outcome.rejection)
        return outcome

    def _schedule_flush(self) -> None:
        if self._flush_due:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop: nobody can wait, write now
            self.group_flush()
            return
        self._flush_due = True
        loop.call_soon(self.group_flush)

    def group_flush(self) -> BinanceError | None:
        """Journal the commands handled since the last flush, then release their answers;
        return the error their requests get if that failed (the commands were undone)."""
        self._flush_due = False
        waiting, self._flushed = self._flushed, None
        failure = unavailable() if self.halted is not None else self._write()
        if waiting is not None:
            if failure is None:
                waiting.set_result(None)
            else:
                waiting.set_exception(failure)
        return failure

    def _write(self) -> BinanceError | None:
        """Write what is pending; the error its requests get if it could not be."""
        try:
            self.live.flush()
        except JournalUnavailable as error:
            log.warning("a batch of commands refused, the journal cannot be written: %s", error)
            self.hub.follow_venue()
            return unavailable()
        except JournalError as error:
            self.halt(f"the journal failed: {error}")
            return unavailable()
        return None

    async def durable(self) -> None:
        """Wait until everything handled so far is journaled (an answer may then be sent);
        raise Binance's -1001 if it could not be, and was undone. A request awaits this in
        the same step as its commands (no other await between), as the routes do."""
        written = self.written()
        if written is not None:
            await asyncio.shield(written)

    def written(self) -> asyncio.Future[None] | None:
        """The write of everything handled so far: a future set when it is journaled (its
        exception Binance's -1001 if it could not be, and was undone), or None if it already
        is. Taken in the same step as the commands (no await between), as :meth:`durable`."""
        if not self._flush_due:
            failure = self.group_flush() if self.live.pending else None
            if failure is not None:  # handled outside the loop's schedule, written now
                raise failure
            return None
        if self._flushed is None:
            self._flushed = asyncio.get_running_loop().create_future()
        return self._flushed

    def feed(self, command: Command) -> Outcome | None:
        """Submit a background command (time, prices): a refusal is logged, not raised.

        A command the journal could not take was undone: the task tries again at its next
        tick. A broken invariant still raises (and the task's supervisor halts the server).
        """
        try:
            return self.submit(command)
        except BinanceError as error:
            log.warning("%s refused: %s", type(command).__name__, error.msg)
            return None

    def halt(self, reason: str) -> None:
        """Stop serving for good: every later request is -1001; ``on_fatal`` ends the process."""
        if self.halted is not None:
            return
        self.halted = reason
        self.on_fatal(reason)

    def ensure_account(self, account: str) -> None:
        """Open the engine account of a key on its first use."""
        if account not in self.live.venue.accounts:
            self.submit(OpenAccount(account))

    def authorize(self, security: Security, request: Request, params: Params) -> Caller | None:
        """Return who ``request`` acts for (None: public or admin); raise Binance's error."""
        if self.halted is not None:
            raise unavailable()
        header = request.headers.get("x-mbx-apikey")
        if security is Security.NONE:
            return None
        if security is Security.ADMIN:
            given = request.headers.get("x-admin-key", "")
            if not secrets.compare_digest(given.encode(), self.admin_key.encode()):
                raise BinanceError(-2015, "Invalid admin key.", 401)
            return None
        caller = self._caller(security, header, request, params)
        self.ensure_account(caller.account)
        return caller

    def _caller(
        self, security: Security, header: str | None, request: Request, params: Params
    ) -> Caller:
        """Check the key (and a SIGNED request's signature, spent first if it changes state)."""
        try:
            if security is Security.USER_STREAM:
                return Caller(self.auth.api_key(header))
            return self.auth.signed(
                header, params, self.wall_ms(), mutating=request.method != "GET"
            )
        except KeyStoreError as error:  # the key store could not be read or written
            log.warning("the key store failed: %s", error)
            raise unavailable() from error
