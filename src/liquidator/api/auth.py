"""Binance's request security: API key header, signature (HMAC-SHA256 or Ed25519), timestamp.

* ``X-MBX-APIKEY`` names the key (missing or malformed: -2014; unknown, or a key for a system
  account: -2015, HTTP 401).
* SIGNED requests carry ``timestamp`` and ``signature``. The payload is the raw query string
  followed by the raw body, the ``signature=...`` parameter taken out of whichever holds it
  (clients.md A.4: never re-serialise). An HMAC key's signature is the hex HMAC-SHA256 of the
  payload with its secret (any case); an Ed25519 key's is the base64 Ed25519 signature of the
  payload, URL-encoded, verified with the registered public key. A wrong one is -1022.
* ``timestamp`` must fall in ``[server time - recvWindow, server time + 1000)`` (-1021);
  ``recvWindow`` defaults to 5000 and may not exceed 60000. The server time is the wall clock
  unless the server runs on simulated time (``check_timestamp=False`` then, as futures-connector
  cannot be told another clock).

Replays. A state-changing request (``mutating``: every SIGNED POST, PUT and DELETE) whose
signature was already spent within the last 61 s of wall time is refused with -1022, and
changes nothing; reads are never refused for having been seen (nautilus_trader sends identical
signed reads in the same millisecond, and Binance answers them all). The spent signatures are
kept in the key store's :class:`~liquidator.app.keys.SignatureLog`, which a durable server
keeps in its journal's file, written before the request runs; a signature is spent even if the
request is then refused (a bad parameter, a journal that cannot be written, a crash before the
journal's commit), so a retry is signed anew, as clients do with a fresh timestamp: a replay can
only ever be refused too often, never run twice. Why persist rather than refuse,
after a start at S, every timestamp up to S + 1000 for 61 s: the timestamp rule holds only when
timestamps are checked, while a server on simulated time accepts any timestamp and a replay
after its restart would run again; the log is clock-free. The window: with timestamps checked,
a request accepted at wall time W had ``timestamp > W - 1000``, so from W + 61 000 on it is
stale (-1021) whatever its ``recvWindow``, and remembering it longer would change nothing.
Without timestamp checks the 61 s of the log are all the protection there is.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from liquidator.api.errors import (
    BAD_API_KEY_FORMAT,
    INVALID_SIGNATURE,
    INVALID_TIMESTAMP,
    REJECTED_API_KEY,
    BinanceError,
    mandatory,
)
from liquidator.api.params import Params
from liquidator.app.keys import ApiKey, KeyKind, KeyStore, is_system_account

KEY_PATTERN = re.compile(r"^[A-Za-z0-9]{16,128}$")
SIGNATURE_PATTERN = re.compile(r"(?:^|&)signature=([^&]*)")
DEFAULT_RECV_WINDOW = 5_000
MAX_RECV_WINDOW = 60_000
FUTURE_TOLERANCE_MS = 1_000
MAX_KEYED_MACS = 10_000
ED25519_SIGNATURE_BYTES = 64


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request acts for."""

    key: ApiKey

    @property
    def account(self) -> str:
        return self.key.account


class Authenticator:
    """Checks keys and signatures; refuses a state-changing request's replay."""

    def __init__(self, keys: KeyStore, *, check_timestamp: bool = True) -> None:
        self.keys = keys
        self.check_timestamp = check_timestamp
        self.spent = keys.signatures()  # loaded now: the first request does not pay for it
        self._verifiers: dict[str, Ed25519PublicKey] = {}  # key -> its parsed public key
        self._macs: dict[str, hmac.HMAC] = {}  # an HMAC key's secret -> HMAC-SHA256 keyed by it

    def api_key(self, header: str | None) -> ApiKey:
        """Return the key named by the ``X-MBX-APIKEY`` header."""
        if not header or not KEY_PATTERN.match(header):
            raise BinanceError(BAD_API_KEY_FORMAT, "API-key format invalid.", 401)
        found = self.keys.find(header)
        if found is None or is_system_account(found.account):
            raise BinanceError(
                REJECTED_API_KEY, "Invalid API-key, IP, or permissions for action.", 401
            )
        return found

    def signed(self, header: str | None, params: Params, now_ms: int, *, mutating: bool) -> Caller:
        """Verify a SIGNED request at wall time ``now_ms``; return its caller.

        A ``mutating`` request's signature is spent (durably, for a durable key store) before
        this returns; a replay of it is -1022.
        """
        key = self.api_key(header)
        timestamp = params.integer("timestamp", required=True)
        assert timestamp is not None
        window = params.integer("recvWindow", default=DEFAULT_RECV_WINDOW)
        assert window is not None
        if not 0 < window <= MAX_RECV_WINDOW:  # Binance's -1131 BAD_RECV_WINDOW
            raise BinanceError(-1131, "recvWindow must be less than 60000")
        signature = params.text("signature")
        if signature is None:
            raise mandatory("signature")
        spent_as = self._verify(key, _payload(params), signature)
        if spent_as is None:
            raise BinanceError(INVALID_SIGNATURE, "Signature for this request is not valid.")
        if self.check_timestamp and not (
            now_ms - window <= timestamp < now_ms + FUTURE_TOLERANCE_MS
        ):
            raise BinanceError(
                INVALID_TIMESTAMP, "Timestamp for this request is outside of the recvWindow."
            )
        if mutating and not self.spent.spend(spent_as, now_ms):
            raise BinanceError(
                INVALID_SIGNATURE, "Signature for this request was already used (a replay)."
            )
        return Caller(key)

    def _verify(self, key: ApiKey, payload: bytes, signature: str) -> str | None:
        """Return the signature's canonical form if it signs ``payload`` for ``key``."""
        if key.kind is KeyKind.HMAC:
            mac = self._macs.get(key.secret)
            if mac is None:  # keyed once: a copy of it is half the cost of keying anew
                if len(self._macs) >= MAX_KEYED_MACS:  # revoked keys' secrets do not pile up
                    self._macs.clear()
                mac = self._macs[key.secret] = hmac.new(key.secret.encode(), digestmod="sha256")
            signing = mac.copy()
            signing.update(payload)
            expected = signing.hexdigest()
            given = signature.lower()
            return given if given.isascii() and hmac.compare_digest(expected, given) else None
        raw = _base64(signature)
        if raw is None:
            return None
        try:
            self._verifier(key).verify(raw, payload)
        except InvalidSignature:
            return None
        return raw.hex()  # the bytes: two spellings of one signature are one spend

    def _verifier(self, key: ApiKey) -> Ed25519PublicKey:
        verifier = self._verifiers.get(key.key)
        if verifier is None:
            loaded = load_pem_public_key(key.secret.encode("ascii"))
            if not isinstance(loaded, Ed25519PublicKey):  # the store keeps only Ed25519 keys
                raise TypeError(f"the key {key.key} holds no Ed25519 public key")
            verifier = self._verifiers[key.key] = loaded
        return verifier


def _payload(params: Params) -> bytes:
    """Return the raw query + body without the ``signature`` parameter: what was signed (or
    the payload the WebSocket API wrote out from a request's parameters)."""
    if params.signed_payload is not None:
        return params.signed_payload
    query = SIGNATURE_PATTERN.sub("", params.query).lstrip("&")
    body = SIGNATURE_PATTERN.sub("", params.body.decode("utf-8", "replace")).lstrip("&")
    return (query + body).encode()


def _base64(signature: str) -> bytes | None:
    """Decode a base64 Ed25519 signature; a ``+`` a client forgot to encode arrives as a space."""
    try:
        raw = base64.b64decode(signature.replace(" ", "+"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == ED25519_SIGNATURE_BYTES else None
