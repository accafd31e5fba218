"""API keys: which account a key acts for, and the secret its requests are signed with (a port)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ApiKey:
    key: str
    secret: str
    account: str


class KeyStore(Protocol):
    def create(self, account: str) -> ApiKey: ...

    def find(self, key: str) -> ApiKey | None: ...


def new_key(account: str) -> ApiKey:
    """Return a fresh key pair for ``account`` (64 hex characters each, like Binance's)."""
    return ApiKey(secrets.token_hex(32), secrets.token_hex(32), account)


class MemoryKeyStore:
    """Keys in a dict (tests, ephemeral servers)."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}

    def create(self, account: str) -> ApiKey:
        key = new_key(account)
        self.keys[key.key] = key
        return key

    def add(self, key: ApiKey) -> None:
        self.keys[key.key] = key

    def find(self, key: str) -> ApiKey | None:
        return self.keys.get(key)
