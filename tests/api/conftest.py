"""An in-process app (memory journal, no background price walk) and a signing helper."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liquidator.api.settings import Settings
from liquidator.bootstrap import bundled_market
from liquidator.bootstrap.server import create_app
from liquidator.core.exchange.venue import PriceSource, VenueConfig

ADMIN = {"X-ADMIN-KEY": "test-admin-key-0123456789"}


@dataclass
class Account:
    client: TestClient
    key: str
    secret: str

    def signed(self, method: str, path: str, *, body: bool = False, **params: Any) -> Any:
        """Send a signed request (parameters in the query, or in a form body)."""
        params.setdefault("timestamp", int(time.time() * 1000))
        text = urllib.parse.urlencode(params)
        signature = hmac.new(self.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        headers = {"X-MBX-APIKEY": self.key}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.client.request(
                method, path, content=f"{text}&signature={signature}", headers=headers
            )
        return self.client.request(method, f"{path}?{text}&signature={signature}", headers=headers)


def quiet_settings(**changes: Any) -> Settings:
    """A test venue: fed marks, no price walk, no heartbeat, the tests' admin key; ``changes``
    on top (any other ``Settings`` field)."""
    base = Settings(
        market=bundled_market(),
        venue=VenueConfig(mark_source=PriceSource.FEED),
        admin_key=ADMIN["X-ADMIN-KEY"],
        price_walk=False,
        heartbeat_ms=0,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = quiet_settings()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def limit_order(account: Account, **extra: object) -> Any:
    """POST a GTC limit buy of 0.01 BTCUSDT at 59,000 (``extra`` overrides any parameter)."""
    params: dict[str, Any] = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT"}
    params |= {"timeInForce": "GTC", "quantity": "0.01", "price": "59000"} | extra
    return account.signed("POST", "/fapi/v1/order", **params)


def open_account(client: TestClient, name: str, deposit: str = "10000") -> Account:
    key = client.post("/admin/keys", params={"account": name}, headers=ADMIN).json()
    client.post("/admin/deposit", params={"account": name, "amount": deposit}, headers=ADMIN)
    return Account(client, key["apiKey"], key["secretKey"])


@pytest.fixture
def alice(client: TestClient) -> Account:
    return open_account(client, "alice")


@pytest.fixture
def bob(client: TestClient) -> Account:
    return open_account(client, "bob")
