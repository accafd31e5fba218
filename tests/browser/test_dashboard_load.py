"""The dashboard under load, measured in Chromium with requestAnimationFrame: 1,000 real open
positions on the venue (the heatmap), 1,000 rows in the positions table, and 20 mark updates a
second, both sent to the server (``/admin/price``) and fed to the page's own handler."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Watched, admin, call, signed
from tests.e2e.conftest import LiveServer

LOAD = (Path(__file__).parent / "load.js").read_text(encoding="utf-8")
POSITIONS = 1000


def open_position(server: LiveServer, n: int) -> None:
    """Trader n: 0.01 BTC long (even) or short (odd) with 40-540 USDT, so the liquidation
    prices spread from about 6% to 90% away from the mark."""
    name = f"load-{n:04d}"
    key = admin(server, "/admin/keys", account=name)
    admin(server, "/admin/deposit", account=name, amount=str(40 + (n * 37) % 500))
    side = "BUY" if n % 2 == 0 else "SELL"
    signed(
        server,
        key,
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side=side,
        type="MARKET",
        quantity="0.01",
    )


def marks(server: LiveServer, stop: threading.Event) -> int:
    """Move the mark 20 times a second until told to stop; return how many were sent."""
    sent, price = 0, 60_000.0
    while not stop.is_set():
        price += 5 if sent % 4 < 2 else -5
        admin(server, "/admin/price", symbol="BTCUSDT", index=f"{price:.1f}", mark=f"{price:.1f}")
        sent += 1
        time.sleep(0.05)
    return sent


def test_the_dashboard_keeps_30_fps_with_20_marks_a_second_and_1000_positions(
    live: LiveServer, watched: Watched
) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: open_position(live, n), range(POSITIONS)))
    venue = call(live.url + "/liquidator/v1/positions?symbol=BTCUSDT")["positions"]
    assert len(venue) >= POSITIONS
    page = watched.page
    page.goto(live.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    deadline = time.monotonic() + 10  # wait_for_function would eval a string: the CSP forbids
    while page.evaluate("window.dashboard.heat.length") < POSITIONS:
        assert time.monotonic() < deadline, "the heatmap never read the venue's positions"
        page.wait_for_timeout(100)

    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        feeding = pool.submit(marks, live, stop)
        measured = page.evaluate(LOAD, [POSITIONS, 6])
        stop.set()
        server_marks = feeding.result()
    watched.shot("dashboard-load")

    ARTIFACTS.mkdir(exist_ok=True)
    report = f"{measured} server marks sent: {server_marks}\n"
    (ARTIFACTS / "fps.txt").write_text(report, encoding="utf-8")
    print(f"frames a second, per one-second window: {report}")  # noqa: T201
    assert measured["rows"] == POSITIONS
    assert measured["heat"] >= POSITIONS
    assert measured["sent"] >= 6 * 20 * 0.9
    assert min(measured["windows"][1:]) >= 30, measured  # the first second holds the first paint
    assert watched.errors == []
