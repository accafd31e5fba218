"""Binance's request security: API key header, HMAC-SHA256 signature, timestamp window.

* ``X-MBX-APIKEY`` names the key (missing or malformed: -2014; unknown: -2015, HTTP 401).
* SIGNED requests carry ``timestamp`` and ``signature``; the signature is the hex HMAC-SHA256,
  with the key's secret, of the raw query string followed by the raw body, the
  ``signature=...`` parameter taken out of whichever holds it (clients.md A.4: never
  re-serialise). A wrong one is -1022.
* ``timestamp`` must fall in ``[server time - recvWindow, server time + 1000)`` (-1021);
  ``recvWindow`` defaults to 5000 and may not exceed 60000. The server time is the wall clock
  unless the server runs on simulated time (``check_timestamp=False`` then, as futures-connector
  cannot be told another clock).
* A signature already accepted within its window is refused (-1022): a replayed request
  changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import OrderedDict
from dataclasses import dataclass

from liquidator.api.errors import (
    BAD_API_KEY_FORMAT,
    INVALID_SIGNATURE,
    INVALID_TIMESTAMP,
    REJECTED_API_KEY,
    BinanceError,
    invalid,
    mandatory,
)
from liquidator.api.params import Params
from liquidator.app.keys import ApiKey, KeyStore

KEY_PATTERN = re.compile(r"^[A-Za-z0-9]{16,128}$")
SIGNATURE_PATTERN = re.compile(r"(?:^|&)signature=([^&]*)")
DEFAULT_RECV_WINDOW = 5_000
MAX_RECV_WINDOW = 60_000


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request acts for."""

    key: ApiKey

    @property
    def account(self) -> str:
        return self.key.account


class Authenticator:
    """Checks keys and signatures; remembers recent signatures to refuse replays."""

    def __init__(self, keys: KeyStore, *, check_timestamp: bool = True) -> None:
        self.keys = keys
        self.check_timestamp = check_timestamp
        self.seen: OrderedDict[str, int] = OrderedDict()  # signature -> expiry (server ms)

    def api_key(self, header: str | None) -> ApiKey:
        """Return the key named by the ``X-MBX-APIKEY`` header."""
        if not header or not KEY_PATTERN.match(header):
            raise BinanceError(BAD_API_KEY_FORMAT, "API-key format invalid.", 401)
        found = self.keys.find(header)
        if found is None:
            raise BinanceError(
                REJECTED_API_KEY, "Invalid API-key, IP, or permissions for action.", 401
            )
        return found

    def signed(self, header: str | None, params: Params, now_ms: int) -> Caller:
        """Verify a SIGNED request; return its caller."""
        key = self.api_key(header)
        timestamp = params.integer("timestamp", required=True)
        assert timestamp is not None
        window = params.integer("recvWindow", default=DEFAULT_RECV_WINDOW)
        assert window is not None
        if not 0 < window <= MAX_RECV_WINDOW:
            raise invalid("recvWindow")
        signature = params.text("signature")
        if signature is None:
            raise mandatory("signature")
        if not _valid(key.secret, params, signature):
            raise BinanceError(INVALID_SIGNATURE, "Signature for this request is not valid.")
        if self.check_timestamp and not now_ms - window <= timestamp < now_ms + 1000:
            raise BinanceError(
                INVALID_TIMESTAMP, "Timestamp for this request is outside of the recvWindow."
            )
        self._once(signature.lower(), now_ms, max(now_ms, timestamp) + window)
        return Caller(key)

    def _once(self, signature: str, now_ms: int, expiry: int) -> None:
        while self.seen and next(iter(self.seen.values())) < now_ms - MAX_RECV_WINDOW:
            self.seen.popitem(last=False)
        if signature in self.seen:
            raise BinanceError(
                INVALID_SIGNATURE, "Signature for this request was already used (a replay)."
            )
        self.seen[signature] = expiry


def _valid(secret: str, params: Params, signature: str) -> bool:
    """Compare ``signature`` with the HMAC of the raw query + body without the signature."""
    query = SIGNATURE_PATTERN.sub("", params.query).lstrip("&")
    body = SIGNATURE_PATTERN.sub("", params.body.decode("utf-8", "replace")).lstrip("&")
    expected = hmac.new(secret.encode(), (query + body).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())
