"""nautilus_trader 1.231.0 on ``liquidator serve``, its own Binance USD-M adapter unchanged.

A ``TradingNode`` (``frameworks/nautilus/node.py``, run by ``.venv-frameworks/nautilus``,
Python 3.12) with only ``base_url_http``, ``base_url_ws`` and ``base_url_ws_stream`` pointed at
the server and an HMAC key: it connects its data and execution clients (start-up
reconciliation included), starts a strategy that receives quotes, trades and closed 1m bars
from a market nobody else trades in (``--flow busy``), buys 0.01 BTC at 20x isolated, and after
``/admin/crash`` -10% sees the exchange's liquidation close its position.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.busy_market import admin, busy_market, signed
from tests.e2e.conftest import LiveServer

PYTHON = REPO / ".venv-frameworks" / "nautilus" / "bin" / "python"
NODE = Path(__file__).parent / "frameworks" / "nautilus" / "node.py"


@pytest.fixture
def market(tmp_path: Path) -> Iterator[LiveServer]:
    with busy_market(tmp_path) as live:
        yield live


def test_a_nautilus_node_trades_and_is_liquidated_as_the_server_says(
    market: LiveServer, tmp_path: Path
) -> None:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: scripts/frameworks creates the frameworks' venvs")
    key = admin(market, "/admin/keys", account="nautilus")
    admin(market, "/admin/deposit", account="nautilus", amount="1000", asset="USDT")
    env = {
        **os.environ,
        "LIQUIDATOR_URL": market.url,
        "LIQUIDATOR_ADMIN_KEY": market.admin_key,
        "LIQUIDATOR_API_KEY": key["apiKey"],
        "LIQUIDATOR_API_SECRET": key["secretKey"],
        "NAUTILUS_DEADLINE_S": "150",
        "NAUTILUS_RESULT": str(tmp_path / "seen.json"),
    }

    result = subprocess.run(
        [str(PYTHON), str(NODE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
        cwd=tmp_path,
    )

    log = result.stdout
    assert result.returncode == 0, result.stderr[-4000:] + log[-4000:]
    seen = json.loads((tmp_path / "seen.json").read_text())
    errors = [line for line in log.splitlines() if "[ERROR]" in line]
    assert not errors, errors[:10]
    assert seen["quotes"] > 0
    assert seen["trades"] > 0
    assert seen["bars"] >= 1
    entry = seen["fills"][0]
    assert (entry["side"], Decimal(entry["quantity"])) == ("BUY", Decimal("0.01"))
    assert Decimal(entry["commission"].split()[0]) > 0  # the taker fee, in USDT
    assert Decimal(seen["opened"]) == Decimal("0.01")
    assert Decimal(seen["net_position"]) == 0  # closed by the exchange's liquidation
    assert any(o["client_order_id"].startswith("autoclose-") for o in seen["orders"])
    wallet = signed(market, key, "/fapi/v2/account")["totalWalletBalance"]
    assert Decimal(seen["balance"]) == Decimal(wallet)
    assert Decimal(wallet) < 1000
