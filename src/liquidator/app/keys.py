"""API keys: which account a key acts for and how its requests are signed (a port).

Two kinds, as Binance offers them:

* **HMAC** (the default): the server draws a key and a secret (64 hex characters each) and
  keeps both; a request's signature is the hex HMAC-SHA256 of its payload with the secret.
* **Ed25519**: the user draws a key pair and registers the public key (PEM, as Binance's API
  management page takes it); the server draws the key's name and keeps only the public key; a
  request's signature is the base64 Ed25519 signature of its payload.

A key store also keeps the signatures already spent by state-changing requests
(:class:`SignatureLog`): they are what its keys signed, and they must live exactly as long as the
keys' database does (a durable server keeps both in its journal's file).

Account names come from outside here (the admin API, ``keys create``): they follow the engine's
rule (1-64 ASCII letters, digits or ``_ . : -``), and names starting with ``@`` are the engine's
own system accounts (the market maker, the insurance funds): nobody gets a key for them.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Final, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

ACCOUNT_NAME: Final = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
SYSTEM_PREFIX: Final = "@"
# A signature is remembered this long (wall ms): Binance's largest recvWindow (60 s) plus the
# 1 s a timestamp may run ahead of the server. A request accepted at wall time W had a
# timestamp above W - 1000, so it is stale (-1021) by W + 61 000 whatever its recvWindow.
REPLAY_WINDOW_MS: Final = 61_000


class KeyKind(Enum):
    HMAC = "HMAC"
    ED25519 = "ED25519"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key; ``secret`` is the HMAC secret, or for an Ed25519 key its public key (PEM)."""

    key: str
    secret: str
    account: str
    kind: KeyKind = KeyKind.HMAC


class KeyStoreError(Exception):
    """The key store could not be read or written (the server answers -1001: try again)."""


class AccountNameError(ValueError):
    """An account name from outside that no key may act for (the caller says which and why)."""


class PublicKeyError(ValueError):
    """A registered public key that is not an Ed25519 public key in PEM."""


class SignatureLog(Protocol):
    """The signatures spent by state-changing requests in the last ``REPLAY_WINDOW_MS``."""

    def spend(self, signature: str, wall_ms: int) -> bool:
        """Record ``signature`` as spent at ``wall_ms``; False if it was already spent.

        Durable implementations have recorded it when this returns (before the request's
        effect can be acknowledged); they raise ``OSError``/``sqlite3.Error`` if they cannot.
        """


class KeyStore(Protocol):
    def create(self, account: str) -> ApiKey:
        """Draw and keep a new HMAC key for ``account``."""

    def register(self, account: str, public_key: str) -> ApiKey:
        """Keep a new Ed25519 key for ``account`` verified by ``public_key`` (PEM)."""

    def find(self, key: str) -> ApiKey | None:
        """Return the key named ``key``, None if there is none."""

    def signatures(self) -> SignatureLog:
        """Return the log of the signatures spent with these keys (one per store)."""


def check_account_name(name: str) -> str:
    """Return ``name`` if a key may act for it; raise ``AccountNameError`` saying why not."""
    if name.startswith(SYSTEM_PREFIX):
        raise AccountNameError(
            f"{name!r} is reserved: names starting with '@' are the engine's system accounts"
        )
    if not ACCOUNT_NAME.fullmatch(name):
        raise AccountNameError(
            f"{name!r} is not a valid account name (1-64 letters, digits or _ . : -)"
        )
    return name


def is_system_account(name: str) -> bool:
    return name.startswith(SYSTEM_PREFIX)


def ed25519_public_key(pem: str) -> str:
    """Return the Ed25519 public key in ``pem`` as canonical PEM; raise ``PublicKeyError``."""
    try:
        loaded = load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError) as error:
        raise PublicKeyError("not a PEM public key (-----BEGIN PUBLIC KEY-----)") from error
    if not isinstance(loaded, Ed25519PublicKey):
        raise PublicKeyError(f"not an Ed25519 public key (got {type(loaded).__name__})")
    return loaded.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def new_key(account: str) -> ApiKey:
    """Return a fresh HMAC key pair for ``account`` (64 hex characters each, like Binance's)."""
    return ApiKey(secrets.token_hex(32), secrets.token_hex(32), account)


def new_ed25519_key(account: str, public_key: str) -> ApiKey:
    """Return a fresh key name for ``account`` verified by the (checked) ``public_key``."""
    return ApiKey(secrets.token_hex(32), ed25519_public_key(public_key), account, KeyKind.ED25519)


class MemorySignatureLog:
    """Spent signatures in a dict, oldest first (tests, ephemeral servers): lost on exit."""

    def __init__(self) -> None:
        self._expiry: OrderedDict[str, int] = OrderedDict()  # signature -> expiry (wall ms)

    def spend(self, signature: str, wall_ms: int) -> bool:
        while self._expiry and next(iter(self._expiry.values())) <= wall_ms:
            self._expiry.popitem(last=False)
        if signature in self._expiry:
            return False
        self._expiry[signature] = wall_ms + REPLAY_WINDOW_MS
        return True


class MemoryKeyStore:
    """Keys in a dict (tests, ephemeral servers)."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}
        self._signatures = MemorySignatureLog()

    def create(self, account: str) -> ApiKey:
        return self.add(new_key(check_account_name(account)))

    def register(self, account: str, public_key: str) -> ApiKey:
        return self.add(new_ed25519_key(check_account_name(account), public_key))

    def add(self, key: ApiKey) -> ApiKey:
        self.keys[key.key] = key
        return key

    def find(self, key: str) -> ApiKey | None:
        return self.keys.get(key)

    def signatures(self) -> SignatureLog:
        return self._signatures
