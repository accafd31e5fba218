"""A live ``liquidator serve`` on simulated time, traders signing with binance-futures-connector.

The stories of the post-mortem tests: each opens positions through real signed orders, moves the
mark with the admin API until the exchange liquidates, and leaves the server running for
``liquidator postmortem`` to read. Simulated time makes every story the same to the id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from binance.cm_futures import CMFutures
from binance.um_futures import UMFutures

from tests.e2e.conftest import ADMIN_KEY, LiveServer, start_server

START_MS = 1_704_067_200_000  # 2024-01-01 00:00:00 UTC
BTC, ETH = "BTCUSDT", "ETHUSDT"
COIN = "BTCUSD_PERP"  # inverse: 100 USD a contract, margined in BTC
SCRIPT = Path(sys.executable).parent / "liquidator"


class Venue:
    """A server and its traders' keys."""

    def __init__(self, database: Path, *extra: str) -> None:
        self.database = database
        self.live: LiveServer = start_server(database, "--simulated-time", str(START_MS), *extra)
        self.keys: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        process = self.live.process
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()

    def admin(self, method: str, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params)
        request = urllib.request.Request(
            f"{self.live.url}{path}?{query}", method=method, headers={"X-ADMIN-KEY": ADMIN_KEY}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def trader(self, account: str, deposit: str) -> UMFutures:
        """Open ``account`` with ``deposit`` USDT; return its signed client."""
        self.keys[account] = self.admin("POST", "/admin/keys", account=account)
        self.admin("POST", "/admin/deposit", account=account, amount=deposit)
        return self.client(account)

    def client(self, account: str) -> UMFutures:
        key = self.keys[account]
        return UMFutures(key["apiKey"], key["secretKey"], base_url=self.live.url)

    def coin_trader(self, account: str, deposit: str) -> CMFutures:
        """Open ``account`` with ``deposit`` BTC (COIN-M margin); return its signed client."""
        self.keys[account] = self.admin("POST", "/admin/keys", account=account)
        self.admin("POST", "/admin/deposit", account=account, amount=deposit, asset="BTC")
        return self.coin_client(account)

    def coin_client(self, account: str) -> CMFutures:
        key = self.keys[account]
        return CMFutures(key["apiKey"], key["secretKey"], base_url=self.live.url)

    def coin_income_total(self, account: str) -> int:
        """Return the sum of the account's COIN-M income rows other than transfers (raw)."""
        rows = self.coin_client(account).get_income_history(limit=1000, startTime=0)
        return sum(raw(row["income"]) for row in rows if row["incomeType"] != "TRANSFER")

    def price(self, symbol: str, price: str) -> None:
        self.admin("POST", "/admin/price", symbol=symbol, index=price, mark=price)

    def later(self, ms: int) -> None:
        self.admin("POST", "/admin/time", ms=ms)

    def env(self, account: str) -> dict[str, str]:
        key = self.keys[account]
        return {
            **os.environ,
            "BINANCE_API_KEY": key["apiKey"],
            "BINANCE_API_SECRET": key["secretKey"],
        }

    def postmortem(self, account: str, *argv: str) -> subprocess.CompletedProcess[str]:
        return liquidator("postmortem", "--base-url", self.live.url, *argv, env=self.env(account))

    def income_total(self, account: str) -> int:
        """Return the sum of the account's income rows other than transfers (raw 10**-8)."""
        rows = self.client(account).get_income_history(limit=1000, startTime=0)
        return sum(raw(row["income"]) for row in rows if row["incomeType"] != "TRANSFER")


def liquidator(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *argv], capture_output=True, text=True, check=False, env=env, timeout=120
    )


def raw(text: str) -> int:
    whole, _, fraction = text.lstrip("-").partition(".")
    value = int(whole) * 10**8 + int((fraction + "0" * 8)[:8])
    return -value if text.startswith("-") else value


def json_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


# --- stories -------------------------------------------------------------------------------------


def explained(venue: Venue, account: str) -> dict[str, Any]:
    """Return ``explain --json`` of the server's own journal (read while it runs)."""
    return json_of(liquidator("explain", str(venue.database), "--account", account, "--json"))


def only(report: dict[str, Any]) -> dict[str, Any]:
    (liquidation,) = report["liquidations"]
    assert isinstance(liquidation, dict)
    return liquidation


def isolated_long(venue: Venue) -> None:
    """0.5 BTC long at 10x isolated; a 12% crash in 60 steps liquidates it."""
    venue.price(BTC, "60000")
    trader = venue.trader("trader", "10000")
    trader.change_leverage(symbol=BTC, leverage=10)
    trader.change_margin_type(symbol=BTC, marginType="ISOLATED")
    venue.later(1_000)
    trader.new_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.5")
    venue.later(3_600_000)
    venue.admin("POST", "/admin/crash", symbol=BTC, percent="-12", steps=60)
    venue.later(60_000)


def cross_two_symbols(venue: Venue) -> None:
    """Cross: 0.5 BTC and 5 ETH long at 10x; ETH crashes and takes the account with it."""
    venue.price(BTC, "60000")
    venue.price(ETH, "3000")
    trader = venue.trader("crosser", "5000")
    for symbol in (BTC, ETH):
        trader.change_leverage(symbol=symbol, leverage=10)
    venue.later(1_000)
    trader.new_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.5")
    trader.new_order(symbol=ETH, side="BUY", type="MARKET", quantity="5")
    venue.later(600_000)
    venue.admin("POST", "/admin/crash", symbol=ETH, percent="-40", steps=20)
    venue.later(60_000)


def hedge_pair(venue: Venue) -> None:
    """Hedge mode, cross: LONG 1 BTC and SHORT 0.4 BTC; a crash liquidates the pair."""
    venue.price(BTC, "60000")
    trader = venue.trader("hedger", "5000")
    trader.change_position_mode(dualSidePosition="true")
    trader.change_leverage(symbol=BTC, leverage=20)
    venue.later(1_000)
    trader.new_order(symbol=BTC, side="BUY", positionSide="LONG", type="MARKET", quantity="1")
    trader.new_order(symbol=BTC, side="SELL", positionSide="SHORT", type="MARKET", quantity="0.4")
    venue.later(600_000)
    venue.admin("POST", "/admin/crash", symbol=BTC, percent="-20", steps=40)
    venue.later(60_000)


def thirty_days(venue: Venue) -> None:
    """A month of trading, an hour at a time: the mark moves every hour, the trader trades
    every six (0.4 to 0.5 BTC long, 10x isolated), funding settles every eight; on day 30 a
    crash liquidates the position."""
    venue.price(BTC, "60000")
    trader = venue.trader("monthly", "5000")
    trader.change_leverage(symbol=BTC, leverage=10)
    trader.change_margin_type(symbol=BTC, marginType="ISOLATED")
    trader.new_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.4")
    price = 60_000
    for hour in range(30 * 24):
        venue.later(3_600_000)
        price += 40 if (hour * 7919) % 13 < 7 else -40
        venue.price(BTC, str(price))
        if hour % 6 == 0:
            side = "BUY" if (hour // 6) % 2 == 0 else "SELL"
            trader.new_order(symbol=BTC, side=side, type="MARKET", quantity="0.1")
    venue.admin("POST", "/admin/crash", symbol=BTC, percent="-35", steps=70)
    venue.later(60_000)


def whale_partial(venue: Venue) -> None:
    """220 BTC long at 20x isolated (13.2M notional, bracket 5 at 2%): a slow 4.8% fall is met
    by partial liquidation steps into the bids of the book before the full one."""
    venue.price(BTC, "60000")
    seller = venue.trader("seller", "3000000")
    seller.change_leverage(symbol=BTC, leverage=20)
    bidder = venue.trader("bidder", "500000")
    whale = venue.trader("whale", "1000000")
    whale.change_leverage(symbol=BTC, leverage=20)
    whale.change_margin_type(symbol=BTC, marginType="ISOLATED")
    venue.later(1_000)
    for _ in range(2):
        seller.new_order(
            symbol=BTC, side="SELL", type="LIMIT", timeInForce="GTC", quantity="110", price="60000"
        )
        whale.new_order(symbol=BTC, side="BUY", type="MARKET", quantity="110")
        venue.later(1_000)
    bidder.new_order(
        symbol=BTC, side="BUY", type="LIMIT", timeInForce="GTC", quantity="30", price="57300"
    )
    venue.later(600_000)
    venue.admin("POST", "/admin/crash", symbol=BTC, percent="-4.8", steps=96)
    venue.later(60_000)


def deleveraged(venue: Venue) -> None:
    """No market maker: a 30 BTC long at 10x isolated is liquidated with no bids; the insurance
    fund takes what its capacity allows and the rest auto-deleverages the short across."""
    venue.price(BTC, "60000")
    longy = venue.trader("longy", "400000")
    shorty = venue.trader("shorty", "2000000")
    longy.change_leverage(symbol=BTC, leverage=10)
    longy.change_margin_type(symbol=BTC, marginType="ISOLATED")
    venue.later(1_000)
    limit = {"symbol": BTC, "type": "LIMIT", "timeInForce": "GTC", "quantity": "30"}
    shorty.new_order(side="SELL", price="60000", **limit)
    longy.new_order(side="BUY", price="60000", **limit)
    venue.later(600_000)
    venue.admin("POST", "/admin/crash", symbol=BTC, percent="-12", steps=60)
    venue.later(60_000)


def coin_isolated_long(venue: Venue) -> None:
    """COIN-M: 100 BTCUSD_PERP contracts (10,000 USD) long at 10x isolated on 1 BTC; a 12%
    crash in 60 steps liquidates it."""
    venue.price(COIN, "60000")
    trader = venue.coin_trader("coiner", "1")
    trader.change_leverage(symbol=COIN, leverage=10)
    trader.change_margin_type(symbol=COIN, marginType="ISOLATED")
    venue.later(1_000)
    trader.new_order(symbol=COIN, side="BUY", type="MARKET", quantity=100)
    venue.later(3_600_000)
    venue.admin("POST", "/admin/crash", symbol=COIN, percent="-12", steps=60)
    venue.later(60_000)


def coin_cross_short(venue: Venue) -> None:
    """COIN-M cross: 300 contracts short at 20x on 0.1 BTC; a 40% rally liquidates the account
    (an inverse short: its loss in BTC grows as 1/price falls)."""
    venue.price(COIN, "60000")
    trader = venue.coin_trader("coinshort", "0.1")
    trader.change_leverage(symbol=COIN, leverage=20)
    venue.later(1_000)
    trader.new_order(symbol=COIN, side="SELL", type="MARKET", quantity=300)
    venue.later(600_000)
    venue.admin("POST", "/admin/crash", symbol=COIN, percent="40", steps=40)
    venue.later(60_000)


def coin_hedge_pair(venue: Venue) -> None:
    """COIN-M hedge mode, cross: LONG 300 and SHORT 120 contracts at 20x on 0.05 BTC; a 20%
    crash liquidates the pair."""
    venue.price(COIN, "60000")
    trader = venue.coin_trader("coinhedger", "0.05")
    trader.change_position_mode(dualSidePosition="true")
    trader.change_leverage(symbol=COIN, leverage=20)
    venue.later(1_000)
    trader.new_order(symbol=COIN, side="BUY", positionSide="LONG", type="MARKET", quantity=300)
    trader.new_order(symbol=COIN, side="SELL", positionSide="SHORT", type="MARKET", quantity=120)
    venue.later(600_000)
    venue.admin("POST", "/admin/crash", symbol=COIN, percent="-20", steps=40)
    venue.later(60_000)
