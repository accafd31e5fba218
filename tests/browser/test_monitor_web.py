"""``liquidator monitor --web`` pointed at a live ``liquidator serve``, its page in Chromium.

Real processes: the server, an account with a long opened through the API, the monitor with
its key in the environment; the page shows the position with our liquidation price (equal to
the server's ``positionRisk``), the levels on the chart, the gauge; the admin API moves the mark
toward liquidation (the margin-ratio alert shows), then past it (the liquidation alert shows
and the position leaves the panel), with no console error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Watched, admin, signed
from tests.browser.test_dashboard import seed_long
from tests.e2e.conftest import LiveServer, free_port

LIQUIDATOR = Path(sys.executable).parent / "liquidator"


class WebMonitor:
    """``liquidator monitor --json --web`` as a subprocess, and its page's address."""

    def __init__(self, server: LiveServer, key: dict[str, str], *options: str) -> None:
        self.url = f"http://127.0.0.1:{free_port()}/"
        env = os.environ | {
            "BINANCE_API_KEY": key["apiKey"],
            "BINANCE_API_SECRET": key["secretKey"],
        }
        self.process = subprocess.Popen(
            [str(LIQUIDATOR), "monitor", "--base-url", server.url, "--json", "--web",
             "--web-address", self.url.removeprefix("http://").rstrip("/"), *options],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def state(self) -> Any:
        with urllib.request.urlopen(self.url + "monitor/v1/state", timeout=5) as answer:
            return json.loads(answer.read())

    def wait_for_positions(self, seconds: float = 30) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr and self.process.stderr.read()
            try:
                found = self.state()
                if found["positions"]:
                    return found
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("the monitor's page showed no position within 30 s")

    def stop(self) -> str:
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate(timeout=15)
        return err


@pytest.fixture
def alice(live: LiveServer) -> Iterator[tuple[dict[str, str], WebMonitor]]:
    key = seed_long(live)  # 0.5 BTC from 60,006 with 2,000 USDT: liquidation near 56,261
    monitor = WebMonitor(live, key, "--alert-margin-ratio", "30", "--interval", "0.2")
    try:
        yield key, monitor
    finally:
        monitor.stop()


LEVELS = "window.monitor.levels.map((line) => line.title)"
CANDLES = "window.monitor.charts.candles.data().length"


def test_the_monitor_s_page_follows_a_real_account_to_its_liquidation(
    live: LiveServer, watched: Watched, alice: tuple[dict[str, str], WebMonitor]
) -> None:
    key, monitor = alice
    started = monitor.wait_for_positions()
    page = watched.page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(monitor.url)
    expect(page.locator("#connection")).to_have_text("live")
    row = page.locator('#positions tbody tr[data-symbol="BTCUSDT"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("0.500")
    (shown,) = signed(live, key, "GET", "/fapi/v3/positionRisk")
    expect(row.locator("td.liq")).to_have_text(f"{float(shown['liquidationPrice']):,.2f}")
    expect(row.locator("td.break-even")).to_have_text(f"{float(shown['breakEvenPrice']):,.2f}")
    assert Decimal(shown["breakEvenPrice"]) > Decimal(shown["entryPrice"])  # the fees it paid
    expect(page.locator("#gauge-value")).not_to_have_text("–")
    expect(page.locator("#mark")).to_have_text("60,000.00")
    watched.shot("monitor-1-position")

    (line,) = started["positions"]
    assert line["binanceLiquidationPrice"] == shown["liquidationPrice"]
    # ours, from the 8-decimal figures REST gives, within a millionth of the server's exact one
    assert abs(Decimal(line["liquidationPrice"]) - Decimal(shown["liquidationPrice"])) < Decimal(
        "1e-6"
    )
    assert sorted(page.evaluate(LEVELS)) == ["bankruptcy", "entry", "liquidation"]
    assert page.evaluate(CANDLES) >= 1
    admin(live, "/admin/price", symbol="BTCUSDT", index="56500", mark="56500")  # ratio ~46%
    alert = page.locator('#feed li[data-kind="MARGIN_RATIO"]')
    expect(alert).to_have_count(1, timeout=5000)
    expect(page.locator("#mark")).to_have_text("56,500.00")
    expect(alert).to_contain_text("cross USDT account is")
    watched.shot("monitor-2-margin-ratio-alert")

    ratio = float(page.locator("#gauge").get_attribute("aria-valuenow") or 0)
    assert 30 < ratio < 100
    admin(live, "/admin/price", symbol="BTCUSDT", index="56100", mark="56100")  # past 56,261
    expect(page.locator('#feed li[data-kind="LIQUIDATION"]')).to_have_count(1, timeout=5000)
    expect(row).to_have_count(0, timeout=5000)
    expect(page.locator("#positions-empty")).to_be_visible()
    watched.shot("monitor-3-liquidated")

    expect(page.locator("#symbol")).to_have_value("BTCUSDT")  # the chart of the crash stays
    assert page.evaluate(CANDLES) >= 1
    assert signed(live, key, "GET", "/fapi/v3/positionRisk") == []
    assert all(url.startswith(monitor.url) for url in requested), requested  # offline: no CDN
    assert monitor.url + "static/vendor/lightweight-charts.standalone.production.js" in requested
    assert key["secretKey"] not in page.content()
    assert key["apiKey"] not in page.content()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, no side scroll
    watched.shot("monitor-4-phone")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert watched.errors == []


def test_the_monitor_s_page_refuses_what_it_does_not_serve(
    alice: tuple[dict[str, str], WebMonitor],
) -> None:
    _, monitor = alice
    monitor.wait_for_positions()

    def status(path: str, method: str = "GET") -> tuple[int, Any]:
        request = urllib.request.Request(monitor.url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert status("monitor/v1/klines?symbol=ETHUSDT") == (
        400,
        {"code": -1121, "msg": "Invalid symbol."},
    )  # not held
    assert status("static/../../../../etc/passwd")[0] == 404
    assert status("nothing")[0] == 404
    assert status("monitor/v1/state", "POST")[0] == 405
    code, klines = status("monitor/v1/klines?symbol=btcusdt")
    assert code == 200
    assert klines["symbol"] == "BTCUSDT"
    assert klines["klines"]


def test_a_hedge_mode_pair_shows_both_legs_and_the_price_the_venue_liquidates_them_at(
    live: LiveServer, watched: Watched
) -> None:
    key: dict[str, str] = admin(live, "/admin/keys", account="hedger")
    admin(live, "/admin/deposit", account="hedger", amount="3000")
    signed(live, key, "POST", "/fapi/v1/positionSide/dual", dualSidePosition="true")
    signed(live, key, "POST", "/fapi/v1/leverage", symbol="BTCUSDT", leverage=20)
    for side, position_side, quantity in (("BUY", "LONG", "0.5"), ("SELL", "SHORT", "0.2")):
        signed(live, key, "POST", "/fapi/v1/order", symbol="BTCUSDT", side=side,
               positionSide=position_side, type="MARKET", quantity=quantity)  # fmt: skip
    monitor = WebMonitor(live, key, "--interval", "0.2")
    try:
        state = monitor.wait_for_positions()
        page = watched.page
        page.goto(monitor.url)
        expect(page.locator("#connection")).to_have_text("live")
        rows = page.locator('#positions tbody tr[data-symbol="BTCUSDT"]')
        expect(rows).to_have_count(2)
        watched.shot("monitor-5-hedge")

        # a cross hedge pair shares one liquidation price (Binance's hedge-mode formula)
        ours = {line["positionSide"]: line["liquidationPrice"] for line in state["positions"]}
        assert ours["LONG"] == ours["SHORT"]
        at = Decimal(ours["LONG"])
        for side in ("LONG", "SHORT"):
            cell = page.locator(f'#positions tbody tr[data-side="{side}"] td.liq')
            expect(cell).to_have_text(f"{at:,.2f}")
        assert sorted(page.evaluate(LEVELS)) == sorted(
            f"{level} {side}" for level in ("entry", "liquidation", "bankruptcy")
            for side in ("long", "short")
        )  # fmt: skip
        # and the venue liquidates the pair there: not 1% above, at once 1% below
        admin(live, "/admin/price", symbol="BTCUSDT", index=f"{at * Decimal('1.01'):.1f}",
              mark=f"{at * Decimal('1.01'):.1f}")  # fmt: skip
        page.wait_for_timeout(1500)
        assert len(signed(live, key, "GET", "/fapi/v3/positionRisk")) == 2
        expect(page.locator('#feed li[data-kind="LIQUIDATION"]')).to_have_count(0)
        admin(live, "/admin/price", symbol="BTCUSDT", index=f"{at * Decimal('0.99'):.1f}",
              mark=f"{at * Decimal('0.99'):.1f}")  # fmt: skip
        expect(page.locator('#feed li[data-kind="LIQUIDATION"]').first).to_be_visible(timeout=5000)
        expect(rows).to_have_count(0, timeout=5000)
        watched.shot("monitor-6-hedge-liquidated")
        assert watched.errors == []
    finally:
        monitor.stop()
