"""The liquidation waterfall down to ADL, staged from the dashboard's admin controls in Chromium.

A server without its market maker (nobody else bids into the crash): a 30 BTC long at 10x isolated
against a short of the same size; the page is connected to the long's account. The admin form
crashes BTCUSDT 12% in 60 steps: the long is liquidated with no bid to sell to, the insurance
fund takes over what its capacity allows, and the rest auto-deleverages the short at the long's
bankruptcy price; a 2 BTC bid between the liquidation and bankruptcy prices takes the first part
of the liquidation order, so its clearance fee reaches the fund. The page must show the margin
call, the forced order, the fund's takeover and the ADL in its liquidation feed, the fund's chart
move, the long leave the positions panel and the short shrink, with no console error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watched, admin, call, signed
from tests.e2e.conftest import LiveServer, served

BTC = "BTCUSDT"


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[LiveServer]:
    with served(tmp_path / "bare.sqlite", "--no-market-maker") as server:
        yield server


def trader(server: LiveServer, account: str, deposit: str) -> dict[str, str]:
    key: dict[str, str] = admin(server, "/admin/keys", account=account)
    admin(server, "/admin/deposit", account=account, amount=deposit)
    return key


def stage_opposite_positions(server: LiveServer) -> tuple[dict[str, str], dict[str, str]]:
    """A 30 BTC long at 10x isolated (400,000 USDT) and the short it traded with (2M USDT)."""
    admin(server, "/admin/price", symbol=BTC, index="60000", mark="60000")
    longy = trader(server, "longy", "400000")
    shorty = trader(server, "shorty", "2000000")
    signed(server, longy, "POST", "/fapi/v1/leverage", symbol=BTC, leverage=10)
    signed(server, longy, "POST", "/fapi/v1/marginType", symbol=BTC, marginType="ISOLATED")
    limit = {"symbol": BTC, "type": "LIMIT", "timeInForce": "GTC", "quantity": "30"}
    signed(server, shorty, "POST", "/fapi/v1/order", side="SELL", price="60000", **limit)
    signed(server, longy, "POST", "/fapi/v1/order", side="BUY", price="60000", **limit)
    bidder = trader(server, "bidder", "100000")
    bid = limit | {"quantity": "2", "price": "54200"}
    signed(server, bidder, "POST", "/fapi/v1/order", side="BUY", **bid)
    return longy, shorty


FUND_POINTS = "window.dashboard.fundSeries['@insurance:BTCUSDT USDT'].data()"


def feed_item(page: Page, kind: str) -> str:
    return page.locator(f'#feed li[data-kind="{kind}"]').first.inner_text()


def quantity_and_price(text: str) -> tuple[Decimal, str]:
    """Read ``30.000 @ 54,013.33 · 1.62M USDT`` as (30.000, "54,013.33")."""
    detail = text.splitlines()[-1]
    quantity, at = detail.split(" · ")[0].split(" @ ")
    return Decimal(quantity.replace(",", "")), at


def test_a_crash_the_fund_cannot_cover_shows_the_waterfall_down_to_adl(
    bare: LiveServer, watched: Watched
) -> None:
    longy, shorty = stage_opposite_positions(bare)
    page = watched.page
    page.goto(bare.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    connect(page, longy)
    row = page.locator(f'#positions tbody tr[data-symbol="{BTC}"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("30.000")
    expect(row).to_contain_text("isolated")
    page.fill("#admin-key", bare.admin_key)
    page.press("#admin-key", "Enter")
    page.fill("#crash-percent", "-12")
    page.fill("#crash-steps", "60")
    watched.shot("adl-1-positions")

    crashed_at = time.monotonic()
    page.click("#crash")
    for kind in ("CALL", "LIQ", "FUND", "ADL"):
        expect(page.locator(f'#feed li[data-kind="{kind}"]')).to_have_count(1, timeout=3000)
    expect(row).to_have_count(0, timeout=3000)
    expect(page.locator("#fund-latest")).to_contain_text("fund:BTCUSDT 1,000,400.00 USDT")
    seen_ms = (time.monotonic() - crashed_at) * 1000
    watched.shot("adl-2-waterfall")

    print(f"waterfall shown within {seen_ms:.0f} ms:")  # noqa: T201
    for text in reversed(page.locator("#feed li").all_inner_texts()):
        print("  " + " ".join(text.split()))  # noqa: T201
    assert seen_ms < 3000
    assert "CALL long" in feed_item(page, "CALL")  # the user stream's margin call, first
    liquidated, average = quantity_and_price(feed_item(page, "LIQ"))
    assert "LIQ long" in feed_item(page, "LIQ")
    assert liquidated == 30  # the whole long: 2 sold into the bid, the rest below
    taken, taken_at = quantity_and_price(feed_item(page, "FUND"))
    deleveraged, deleveraged_at = quantity_and_price(feed_item(page, "ADL"))
    assert "FUND takes long" in feed_item(page, "FUND")
    assert "ADL short" in feed_item(page, "ADL")  # the short across was deleveraged
    assert taken > 0
    assert taken + deleveraged == 28  # what the 2 BTC bid could not take
    assert taken_at == deleveraged_at == "54,000.00"  # the long's bankruptcy price
    assert average == "54,013.33"  # (2 × 54,200 + 28 × 54,000) / 30: the bid's, then at BP
    # the fund: 200 USDT a BTC above bankruptcy for the 2 the bid took, 400 in all
    (btc_fund,) = [
        f for f in call(bare.url + "/liquidator/v1/insurance")["funds"] if "BTC" in f["fund"]
    ]
    assert btc_fund["balance"] == "1000400"
    assert page.evaluate(FUND_POINTS)[-1]["value"] == 1_000_400
    assert signed(bare, longy, "GET", "/fapi/v3/positionRisk") == []
    (short,) = signed(bare, shorty, "GET", "/fapi/v3/positionRisk")
    assert Decimal(short["positionAmt"]) == -30 + deleveraged

    connect(page, shorty)  # the deleveraged side: its panel shows what ADL left
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{-30 + deleveraged:,.3f}")
    watched.shot("adl-3-deleveraged-short")
    assert watched.errors == []


def connect(page: Page, key: dict[str, str]) -> None:
    page.fill("#api-key", key["apiKey"])
    page.fill("#api-secret", key["secretKey"])
    page.click("#account-connect")


def stage_a_position_above_the_fee_bracket(server: LiveServer) -> tuple[dict[str, str], ...]:
    """250 BTC long at 20x isolated (15M USDT notional: BTCUSDT's 2% bracket, above the 1.25%
    liquidation fee, so the venue reduces it first), the short across, 100 BTC bid at 57,500."""
    admin(server, "/admin/price", symbol=BTC, index="60000", mark="60000")
    longy = trader(server, "longy", "1000000")
    shorty = trader(server, "shorty", "20000000")
    bidder = trader(server, "bidder", "10000000")
    signed(server, longy, "POST", "/fapi/v1/leverage", symbol=BTC, leverage=20)
    signed(server, longy, "POST", "/fapi/v1/marginType", symbol=BTC, marginType="ISOLATED")
    limit = {"symbol": BTC, "type": "LIMIT", "timeInForce": "GTC", "quantity": "250"}
    signed(server, shorty, "POST", "/fapi/v1/order", side="SELL", price="60000", **limit)
    signed(server, longy, "POST", "/fapi/v1/order", side="BUY", price="60000", **limit)
    bid = limit | {"quantity": "100", "price": "57500"}
    signed(server, bidder, "POST", "/fapi/v1/order", side="BUY", **bid)
    return longy, shorty


def test_a_large_position_is_reduced_in_the_book_before_the_fund_and_adl_take_the_rest(
    bare: LiveServer, watched: Watched
) -> None:
    longy, shorty = stage_a_position_above_the_fee_bracket(bare)
    page = watched.page
    page.goto(bare.url + "/")
    expect(page.locator("#connection")).to_have_text("live")
    connect(page, longy)
    expect(page.locator(f'#positions tbody tr[data-symbol="{BTC}"]')).to_contain_text("250.000")
    page.fill("#admin-key", bare.admin_key)
    page.press("#admin-key", "Enter")
    page.fill("#crash-percent", "-12")
    page.fill("#crash-steps", "60")

    page.click("#crash")
    expect(page.locator('#feed li[data-kind="ADL"]')).to_have_count(1, timeout=3000)
    expect(page.locator('#feed li[data-kind="LIQ"]')).to_have_count(3, timeout=3000)
    expect(page.locator(f'#positions tbody tr[data-symbol="{BTC}"]')).to_have_count(0)
    watched.shot("adl-4-partial-then-full")

    liq = page.locator('#feed li[data-kind="LIQ"]').all_inner_texts()
    full, *partials = [quantity_and_price(text) for text in liq]  # newest first
    print("liquidation orders, newest first:", full, *partials)  # noqa: T201
    taken, taken_at = quantity_and_price(feed_item(page, "FUND"))
    deleveraged, deleveraged_at = quantity_and_price(feed_item(page, "ADL"))
    assert "CALL long" in feed_item(page, "CALL")
    # partial IOC steps, filled in the book at the bid, bring the notional under 12M USDT at the
    # mark (57,480: the crash's 21st step, each 0.2% of 60,000)
    assert len(partials) >= 1
    assert all(at == "57,500.00" for _, at in partials)
    reduced = sum(quantity for quantity, _ in partials)
    assert 0 < reduced < 100
    assert (250 - reduced) * 57480 < 12_000_000
    # then the full order: what the bid has left, then the fund and ADL at the bankruptcy price
    assert full[0] == 250 - reduced
    assert taken + deleveraged == 150  # 250 less the 100 the bid took
    assert taken_at == deleveraged_at
    assert Decimal(taken_at.replace(",", "")) < 57500
    btc = [f for f in call(bare.url + "/liquidator/v1/insurance")["funds"] if "BTC" in f["fund"]]
    assert Decimal(btc[0]["balance"]) > 1_000_000  # the clearance fees of the book's fills
    shown = page.locator("#fund-latest").inner_text()
    assert f"fund:BTCUSDT {Decimal(btc[0]['balance']):,.2f} USDT" in shown
    (short,) = signed(bare, shorty, "GET", "/fapi/v3/positionRisk")
    assert Decimal(short["positionAmt"]) == -250 + deleveraged
    assert watched.errors == []
