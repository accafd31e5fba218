"""A live server whose market trades by itself, for the frameworks' stories (freqtrade,
nautilus_trader): the busy flow and a day of past candles; admin and signed calls to it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from tests.e2e.conftest import LiveServer, served


def busy_market(folder: Path) -> AbstractContextManager[LiveServer]:
    """Serve a journal in ``folder`` with ``--flow busy --history 1``; stop it afterwards."""
    return served(folder / "exchange.sqlite", "--flow", "busy", "--history", "1", stop_s=20)


def admin(live: LiveServer, path: str, **params: str) -> Any:
    request = urllib.request.Request(
        live.url + path, data=urllib.parse.urlencode(params).encode(), method="POST"
    )
    request.add_header("X-ADMIN-KEY", live.admin_key)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def signed(live: LiveServer, key: dict[str, str], path: str, **params: str) -> Any:
    query = urllib.parse.urlencode({**params, "timestamp": int(time.time() * 1000)})
    signature = hmac.new(key["secretKey"].encode(), query.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{live.url}{path}?{query}&signature={signature}",
        headers={"X-MBX-APIKEY": key["apiKey"]},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())
