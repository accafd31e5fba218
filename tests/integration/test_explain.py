"""`liquidator explain` on a real SQLite journal: the classic 1 BTC long at 30,000, 10x isolated.

The story is journaled through the app's Exchange (every command a SQLite record), then the
installed console script tells it: where the 3,000 of margin went, and what would have saved it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from liquidator.adapters.sqlite.journal import SqliteJournal
from liquidator.app.exchange import Exchange
from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.core.exchange.commands import (
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
)
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType
from liquidator.core.money.fixed import Amount, Price, Qty

START_MS = 1_704_067_201_000
BTC = "BTCUSDT"


def limit(account: str, side: Side, quantity: str, price: str) -> PlaceOrder:
    return PlaceOrder(
        account, BTC, side, OrderType.LIMIT, Qty.of(quantity), Price.of(price), TimeInForce.GTC
    )


def classic_story() -> list[Command]:
    marks = ["29000", "28000", "27500"]
    return [
        SetIndexPrice(BTC, Price.of("30000")),
        SetMarkPrice(BTC, Price.of("30000")),
        *(OpenAccount(name) for name in ("trader", "seller", "bidder")),
        Deposit("trader", Amount.of("10000", "USDT")),
        Deposit("seller", Amount.of("100000", "USDT")),
        Deposit("bidder", Amount.of("100000", "USDT")),
        SetLeverage("trader", BTC, 10),
        SetMarginType("trader", BTC, MarginType.ISOLATED),
        limit("seller", Side.SELL, "1", "30000"),
        limit("trader", Side.BUY, "1", "30000"),
        *(SetMarkPrice(BTC, Price.of(mark)) for mark in marks),
        limit("bidder", Side.BUY, "1", "27100"),
        SetMarkPrice(BTC, Price.of("27130")),  # past 80%: margin call
        SetMarkPrice(BTC, Price.of("27100")),  # past 27108.43: liquidated, sold at 27,100
        SetMarkPrice(BTC, Price.of("26500")),  # the worst mark the journal sees
        SetMarkPrice(BTC, Price.of("28500")),
    ]


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    path = tmp_path / "classic.sqlite"
    config = VenueConfig(mark_source=PriceSource.FEED)
    exchange = Exchange(Engine(bundled_market(), config), SqliteJournal(path))
    for number, command in enumerate(classic_story()):
        exchange.submit(command, START_MS + 1000 * number)
    exchange.close()
    return path


def explain(*argv: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "liquidator"
    return subprocess.run(
        [str(script), "explain", *argv], capture_output=True, text=True, check=False
    )


def test_explain_tells_where_the_3000_of_margin_went(journal_path: Path) -> None:
    result = explain(str(journal_path), "--account", "trader")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Liquidation of trader, isolated BTCUSDT BOTH (USDT) at 2024-01-01")
    text = result.stdout
    assert "Before: LONG 1 BTCUSDT at entry 30000, isolated wallet 3000 USDT" in text
    # 27108.4337349397... exactly; at ...494 the rounding against the account already fires
    assert "liquidation price 27108.43373494 (BTCUSDT, ours), bankruptcy price 27000" in text
    assert "Mark path (BTCUSDT): 30000 -> 29000 -> 28000 -> 27500 -> 27130 -> 27100" in text
    assert "Margin call at" in text
    assert "SELL 1 BTCUSDT IOC at the bankruptcy price 27000" in text
    assert "filled 1 at average 27100 (100 USDT better than bankruptcy)" in text
    assert "clearance fee 100 USDT to the insurance fund" in text
    where = text[text.index("Where the margin went (USDT):") :]
    assert "price move                             -2900" in where  # 1 x (27100 - 30000)
    assert "to our liquidation price             -2891.56626506" in where
    assert "clearance fee                          -100" in where
    assert "trading commission                     -15" in where  # 0.05% taker on 30,000
    assert "total                                  -3015" in where  # the 3,000 and the fee
    assert "Consistent with Binance's published rules" in text
    assert "To survive the worst mark seen (26500):" in text
    # maintenance at 26,500 is 106: 3,500 of loss + 106 + one unit of margin
    assert "margin of at least 3606.00000001 USDT (+606.00000001)" in text
    assert "leverage of at most 8x" in text
    # the mark went 30000 -> 29000 -> 28000: a stop at 29000 fills there, keeping 1970.5
    assert "stop-market at 29000" in text
    assert "keeping 1970.5 USDT of the margin" in text


def test_explain_is_the_journals_postmortem(journal_path: Path) -> None:
    explained = explain(str(journal_path), "--account", "trader", "--json")
    script = Path(sys.executable).parent / "liquidator"
    post = subprocess.run(
        [
            str(script),
            "postmortem",
            "--journal",
            str(journal_path),
            "--account",
            "trader",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert explained.returncode == 0, explained.stderr
    assert explained.stdout == post.stdout
    (liquidation,) = json.loads(post.stdout)["liquidations"]
    assert liquidation["loss"] == {
        "asset": "USDT",
        "total": "-3015",
        "priceMove": "-2900",
        "toLiquidationPrice": "-2891.56626506",
        "beyondLiquidationPrice": "-8.43373494",
        "funding": "0",
        "commission": "-15",
        "clearanceFee": "-100",
        "insuranceCover": "0",
    }
    assert liquidation["consistent"] is True


def test_explain_refuses_unknown_account_and_missing_file(journal_path: Path) -> None:
    unknown = explain(str(journal_path), "--account", "nobody")
    missing = explain(str(journal_path.with_name("absent.sqlite")), "--account", "trader")
    calm = explain(str(journal_path), "--account", "seller")

    for result in (unknown, missing, calm):
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr.startswith("liquidator: error: ")
        assert "Traceback" not in result.stderr
    assert "does not appear" in unknown.stderr
    assert "no liquidation of 'seller'" in calm.stderr


def test_explain_writes_a_self_contained_page_and_markdown(
    journal_path: Path, tmp_path: Path
) -> None:
    page, markdown = tmp_path / "report.html", tmp_path / "report.md"

    result = explain(
        str(journal_path), "--account", "trader", "--html", str(page), "--markdown", str(markdown)
    )

    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html
    for level in ("entry 30000", "liquidation 27108.43373494", "bankruptcy 27000", "stop 29000"):
        assert level in html
    assert "<script" not in html
    assert "http://" not in html
    assert "https://" not in html
    assert "| **total** | -3015 |" in markdown.read_text(encoding="utf-8")
