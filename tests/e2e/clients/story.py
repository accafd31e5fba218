"""What every client's story shares: the admin API (stdlib only) and the result line.

Run by the clients' own interpreters (``.venv-clients/<name>``), never imported by pytest.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

BASE = os.environ["LIQUIDATOR_URL"]
WS = BASE.replace("http://", "ws://")
ADMIN_KEY = os.environ["LIQUIDATOR_ADMIN_KEY"]
SYMBOL = "BTCUSDT"
COIN_SYMBOL = "BTCUSD_PERP"  # COIN-M: 100 USD a contract, margined in BTC
DSTREAM = WS + "/dapi"  # the COIN-M streams' base (Binance's dstream host)


def admin(path: str, **params: Any) -> Any:
    """POST (or GET without params) to the admin API; return the JSON answer."""
    data = urllib.parse.urlencode(params).encode() if params else None
    request = urllib.request.Request(BASE + path, data=data, method="POST" if params else "GET")
    request.add_header("X-ADMIN-KEY", ADMIN_KEY)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def new_account(name: str, deposit: str = "10000") -> tuple[str, str]:
    """Create ``name`` with a key pair and a USDT deposit; return (key, secret)."""
    key = admin("/admin/keys", account=name)
    admin("/admin/deposit", account=name, amount=deposit, asset="USDT")
    return key["apiKey"], key["secretKey"]


def new_coin_account(name: str, deposit: str = "1") -> tuple[str, str]:
    """Create ``name`` with a key pair and a BTC deposit (COIN-M margin); return (key, secret)."""
    key = admin("/admin/keys", account=name)
    admin("/admin/deposit", account=name, amount=deposit, asset="BTC")
    return key["apiKey"], key["secretKey"]


def is_liquidation(message: Any) -> bool:
    """Tell whether a user-stream message is the fill of a liquidation order."""
    return bool(message.get("e") == "ORDER_TRADE_UPDATE" and message["o"]["o"] == "LIQUIDATION")


def wait_for(predicate: Any, seconds: float = 10.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def report(result: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(result, default=str) + "\n")
