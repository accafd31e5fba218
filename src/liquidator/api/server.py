"""What a running server holds: the live exchange, keys, limits, listen keys, the stream hub.

The engine runs as one deterministic loop: every route and background task submits commands
through :meth:`Server.submit` on the event loop's single thread, one at a time; nothing else
mutates state.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from liquidator.api.auth import Authenticator, Caller
from liquidator.api.errors import INVALID_LISTEN_KEY, BinanceError, rejected
from liquidator.api.limits import WeightLimiter
from liquidator.api.params import Params
from liquidator.api.routing import Security
from liquidator.api.streams import Hub
from liquidator.app.keys import KeyStore
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.commands import Command, OpenAccount
from liquidator.core.engine import Outcome
from liquidator.core.market import Market

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
    ) -> None:
        self.live = live
        self.market = market
        self.keys = keys
        self.admin_key = admin_key
        self.auth = Authenticator(keys, check_timestamp=check_timestamp)
        self.limiter = WeightLimiter(weight_limit)
        self.listen_keys = ListenKeys()
        self.hub = Hub(self)
        live.listeners.append(self.hub.publish)

    @staticmethod
    def wall_ms() -> int:
        return int(time.time() * 1000)

    def submit(self, command: Command) -> Outcome:
        """Run a command; a refusal becomes Binance's error (nothing changed)."""
        outcome = self.live.submit(command)
        if outcome.rejection is not None:
            raise rejected(outcome.rejection)
        return outcome

    def ensure_account(self, account: str) -> None:
        """Open the engine account of a key on its first use."""
        if account not in self.live.venue.accounts:
            self.submit(OpenAccount(account))

    def authorize(self, security: Security, request: Request, params: Params) -> Caller | None:
        header = request.headers.get("x-mbx-apikey")
        if security is Security.NONE:
            return None
        if security is Security.ADMIN:
            given = request.headers.get("x-admin-key", "")
            if not secrets.compare_digest(given, self.admin_key):
                raise BinanceError(-2015, "Invalid admin key.", 401)
            return None
        if security is Security.USER_STREAM:
            caller = Caller(self.auth.api_key(header))
        else:
            caller = self.auth.signed(header, params, self.wall_ms())
        self.ensure_account(caller.account)
        return caller
