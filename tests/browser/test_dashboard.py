"""The dashboard of a live ``liquidator serve`` in Chromium: a seeded account's position, a crash
staged from the admin controls, and the liquidation seen within 2 s, with no console error."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.conftest import Watched, admin, call, signed
from tests.e2e.conftest import LiveServer

LAYOUT_SHIFTS = """
window.layoutShift = 0;
new PerformanceObserver((list) => {
  for (const shift of list.getEntries()) {
    if (!shift.hadRecentInput) window.layoutShift += shift.value;
  }
}).observe({ type: "layout-shift", buffered: true });
"""


FUND_POINTS = "window.dashboard.fundSeries['@insurance:BTCUSDT USDT'].data().length"


def seed_long(server: LiveServer) -> dict[str, str]:
    """A cross account long 0.5 BTC from 60,006 with 2,000 USDT: liquidated near 56,261."""
    key: dict[str, str] = admin(server, "/admin/keys", account="alice")
    admin(server, "/admin/deposit", account="alice", amount="2000")
    signed(server, key, "POST", "/fapi/v1/leverage", symbol="BTCUSDT", leverage=20)
    signed(
        server,
        key,
        "POST",
        "/fapi/v1/order",
        symbol="BTCUSDT",
        side="BUY",
        type="MARKET",
        quantity="0.5",
    )
    return key


def test_a_crash_staged_from_the_page_liquidates_the_shown_position(
    live: LiveServer, watched: Watched
) -> None:
    key = seed_long(live)
    page = watched.page
    page.add_init_script(LAYOUT_SHIFTS)
    page.goto(live.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    page.fill("#api-key", key["apiKey"])
    page.fill("#api-secret", key["secretKey"])
    page.click("#account-connect")
    row = page.locator('#positions tbody tr[data-symbol="BTCUSDT"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("0.500")
    fund_before = page.locator("#fund-latest").inner_text()
    watched.shot("dashboard-1-position")
    (shown,) = signed(live, key, "GET", "/fapi/v3/positionRisk")
    (venue_wide,) = call(live.url + "/liquidator/v1/positions")["positions"]
    assert venue_wide["liquidationPrice"] == shown["liquidationPrice"]
    expect(row.locator("td.liq")).to_have_text(f"{float(shown['liquidationPrice']):,.2f}")
    page.fill("#admin-key", live.admin_key)
    page.press("#admin-key", "Enter")  # the keyboard alone submits every form
    expect(page.locator("#admin-status")).to_have_text("Admin key set for this tab.")
    page.fill("#crash-percent", "-6.4")  # past liquidation (56,261), short of bankruptcy
    watched.shot("dashboard-2-admin-key")

    crashed_at = time.monotonic()
    page.click("#crash")
    expect(page.locator('#feed li[data-kind="LIQ"]').first).to_be_visible(timeout=2000)
    expect(row).to_have_count(0, timeout=2000)
    expect(page.locator("#fund-latest")).not_to_have_text(fund_before, timeout=2000)
    seen_ms = (time.monotonic() - crashed_at) * 1000
    watched.shot("dashboard-3-liquidated")

    assert seen_ms < 2000
    assert page.locator("#feed li").first.inner_text().count("long") == 1
    risk = signed(live, key, "GET", "/fapi/v3/positionRisk")
    assert risk == []
    history = call(live.url + "/liquidator/v1/insurance/history")["points"]
    btc = [p for p in history if p["fund"] == "@insurance:BTCUSDT"]
    (now,) = [f for f in call(live.url + "/liquidator/v1/insurance")["funds"] if "BTC" in f["fund"]]
    assert len(btc) >= 2  # the clearance fee, then the fund now
    assert btc[-2]["balance"] == btc[-1]["balance"] == now["balance"]
    assert float(now["balance"]) > 1_000_000
    shift = page.evaluate("window.layoutShift")
    print(f"cumulative layout shift through the crash: {shift:.4f}")  # noqa: T201
    assert shift < 0.1  # "good" by the Web Vitals' measure: data arriving moves nothing
    assert "@" not in str(call(live.url + "/liquidator/v1/positions"))
    page.reload()  # the funds' chart starts from their history, not from the page's opening
    expect(page.locator("#connection")).to_have_text("live")
    # the history arrives by its own request, maybe after the stream: wait for it, 5 s at most
    # (polled from here: the page's CSP forbids the eval a wait_for_function string needs)
    deadline = time.monotonic() + 5
    while page.evaluate(FUND_POINTS) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.evaluate(FUND_POINTS) >= 2
    assert watched.errors == []


def test_the_dashboard_fits_a_phone_without_horizontal_scrolling(
    live: LiveServer, watched: Watched
) -> None:
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    symbols = call(live.url + "/liquidator/v1/openInterest")["symbols"]
    expect(page.locator("#open-interest tbody tr")).to_have_count(len(symbols))
    watched.shot("dashboard-phone")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert watched.errors == []


def test_switching_the_symbol_redraws_the_book_and_the_prices(
    live: LiveServer, watched: Watched
) -> None:
    page = watched.page
    page.goto(live.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator("#mark")).to_have_text("60,000.00")

    page.select_option("#symbol", "ETHUSDT")
    expect(page.locator("#mark")).to_have_text("3,000.00")
    expect(page.locator("#asks tr").first).not_to_have_text("")
    admin(live, "/admin/price", symbol="ETHUSDT", index="2900", mark="2900")
    expect(page.locator("#mark")).to_have_text("2,900.00", timeout=3000)  # the 1 s mark stream
    watched.shot("dashboard-ethusdt")

    book = [
        float(p.replace(",", ""))
        for p in page.locator("#bids td:first-child").all_inner_texts()[:3]
        if p
    ]
    assert all(2000 < price < 4000 for price in book), book
    page.reload()
    expect(page.locator("#symbol")).to_have_value("ETHUSDT")  # kept for the tab
    assert watched.errors == []


LAST_MARK = "window.dashboard.charts.markLine.data().at(-1).value"


def test_a_crash_reaches_the_header_and_the_chart_within_a_second(
    live: LiveServer, watched: Watched
) -> None:
    page = watched.page
    page.goto(live.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator("#mark")).to_have_text("60,000.00")
    page.fill("#admin-key", live.admin_key)
    page.press("#admin-key", "Enter")
    page.fill("#crash-percent", "-10")

    crashed_at = time.monotonic()
    page.click("#crash")  # from the page: the admin's answer carries the new prices
    expect(page.locator("#mark")).to_have_text("54,000.00", timeout=1000)
    expect(page.locator("#index")).to_have_text("54,000.00", timeout=1000)
    from_page_ms = (time.monotonic() - crashed_at) * 1000
    moved_at = time.monotonic()
    admin(live, "/admin/price", symbol="BTCUSDT", index="50000", mark="50000")  # from elsewhere
    expect(page.locator("#mark")).to_have_text("50,000.00", timeout=1500)
    from_elsewhere_ms = (time.monotonic() - moved_at) * 1000
    watched.shot("dashboard-mark-after-crash")

    shown = (
        f"{from_page_ms:.0f} ms after the page's crash, {from_elsewhere_ms:.0f} ms after another's"
    )
    print(f"mark shown {shown}")  # noqa: T201
    assert page.evaluate(LAST_MARK) == 50000
    assert from_page_ms < 1000
    assert from_elsewhere_ms < 1500  # the @markPrice@1s stream: one period, the way, a busy CI
    assert watched.errors == []


OI_FIT = """() => {
  const panel = document.querySelector(".oi-panel");
  const style = getComputedStyle(panel);
  const inside = panel.getBoundingClientRect().right - parseFloat(style.borderRightWidth)
    - parseFloat(style.paddingRight);
  const table = document.querySelector("#open-interest");
  const cells = [...table.querySelectorAll("td, th")];
  return { inside, table: table.getBoundingClientRect().right,
           cells: Math.max(...cells.map((c) => c.getBoundingClientRect().right)),
           cut: cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent) };
}"""


def test_the_open_interest_table_stays_inside_its_panel_at_1280_wide(
    live: LiveServer, watched: Watched
) -> None:
    seed_long(live)  # open interest on BTCUSDT; the server's COIN-M contract listed beside it
    page = watched.page
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(live.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    symbols = call(live.url + "/liquidator/v1/openInterest")["symbols"]
    expect(page.locator("#open-interest tbody tr")).to_have_count(len(symbols))
    expect(page.locator('#open-interest tr[data-symbol="BTCUSDT"]')).not_to_contain_text("0.000")
    # the COIN-M fund: 1,000,000 USDT's worth at 60,000 USDT per BTC (16.66666666 BTC)
    expect(page.locator("#fund-latest")).to_contain_text("fund:shared 16.67 BTC")
    watched.shot("dashboard-1280")

    fit = page.evaluate(OI_FIT)

    assert fit["table"] <= fit["inside"], fit  # the notional column no longer spills over
    assert fit["cells"] <= fit["inside"], fit
    assert fit["cut"] == [], fit  # and nothing in it is cut short
    assert watched.errors == []
