# mypy: ignore-errors
# (run by nautilus_trader's own venv, Python 3.12: nautilus_trader is not installed in the tree's)
"""A nautilus_trader TradingNode on liquidator, through its own Binance USD-M adapter, unchanged.

Only ``base_url_http``, ``base_url_ws`` and ``base_url_ws_stream`` point at the server, with an
HMAC key. The strategy waits for quotes, trades and a closed 1m bar, then buys 0.01 BTC at
market (20x, isolated); once filled, the admin crashes the index past its liquidation price
and the node waits for the exchange to close the position. Writes what it saw (JSON) to
``$NAUTILUS_RESULT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_trader.adapters.binance import (
    BINANCE,
    BinanceAccountType,
    BinanceDataClientConfig,
    BinanceExecClientConfig,
    BinanceLiveDataClientFactory,
    BinanceLiveExecClientFactory,
)
from nautilus_trader.adapters.binance.common.constants import BINANCE_VENUE
from nautilus_trader.adapters.binance.common.symbol import BinanceSymbol
from nautilus_trader.adapters.binance.futures.enums import BinanceFuturesMarginType
from nautilus_trader.config import (
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    LoggingConfig,
    StrategyConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.data import Bar, BarType, QuoteTick, TradeTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId, TraderId
from nautilus_trader.model.objects import Currency
from nautilus_trader.trading.strategy import Strategy

BASE = os.environ["LIQUIDATOR_URL"]
WS = BASE.replace("http://", "ws://")
ADMIN_KEY = os.environ["LIQUIDATOR_ADMIN_KEY"]
KEY, SECRET = os.environ["LIQUIDATOR_API_KEY"], os.environ["LIQUIDATOR_API_SECRET"]
INSTRUMENT = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
DEADLINE_S = float(os.environ.get("NAUTILUS_DEADLINE_S", "150"))
seen: dict[str, Any] = {"quotes": 0, "trades": 0, "bars": 0, "fills": []}


def admin(path: str, **params: Any) -> Any:
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(BASE + path, data=data, method="POST")
    request.add_header("X-ADMIN-KEY", ADMIN_KEY)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


class BuyOnBarConfig(StrategyConfig, frozen=True):
    instrument_id: InstrumentId
    bar_type: BarType


class BuyOnBar(Strategy):
    """Buy once, on the first closed bar after quotes and trades have arrived."""

    def __init__(self, config: BuyOnBarConfig) -> None:
        super().__init__(config)
        self.bought = False

    def on_start(self) -> None:
        seen["started_ms"] = int(time.time() * 1000)
        self.subscribe_quote_ticks(self.config.instrument_id)
        self.subscribe_trade_ticks(self.config.instrument_id)
        self.subscribe_bars(self.config.bar_type)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        seen["quotes"] += 1

    def on_trade_tick(self, tick: TradeTick) -> None:
        seen["trades"] += 1

    def on_bar(self, bar: Bar) -> None:
        seen["bars"] += 1
        if self.bought or not seen["quotes"]:
            return
        instrument = self.cache.instrument(self.config.instrument_id)
        order = self.order_factory.market(
            self.config.instrument_id, OrderSide.BUY, instrument.make_qty(Decimal("0.010"))
        )
        self.submit_order(order)
        self.bought = True

    def on_order_filled(self, event: OrderFilled) -> None:
        seen["fills"].append(
            {
                "price": str(event.last_px),
                "quantity": str(event.last_qty),
                "commission": str(event.commission),
                "side": event.order_side.name,
                "client_order_id": str(event.client_order_id),
            }
        )


def node_config() -> TradingNodeConfig:
    provider = InstrumentProviderConfig(load_ids=frozenset({INSTRUMENT}))
    return TradingNodeConfig(
        trader_id=TraderId("LIQUIDATOR-001"),
        logging=LoggingConfig(
            log_level=os.environ.get("NAUTILUS_LOG_LEVEL", "INFO"), log_colors=False
        ),
        exec_engine=LiveExecEngineConfig(reconciliation=True),
        data_clients={
            BINANCE: BinanceDataClientConfig(
                api_key=KEY,
                api_secret=SECRET,
                account_type=BinanceAccountType.USDT_FUTURES,
                base_url_http=BASE,
                base_url_ws=WS,
                instrument_provider=provider,
            )
        },
        exec_clients={
            BINANCE: BinanceExecClientConfig(
                api_key=KEY,
                api_secret=SECRET,
                account_type=BinanceAccountType.USDT_FUTURES,
                base_url_http=BASE,
                base_url_ws=WS + "/ws-fapi/v1",
                base_url_ws_stream=WS,
                instrument_provider=provider,
                futures_leverages={BinanceSymbol("BTCUSDT"): 20},
                futures_margin_types={BinanceSymbol("BTCUSDT"): BinanceFuturesMarginType.ISOLATED},
            )
        },
        timeout_connection=30.0,
        timeout_reconciliation=10.0,
        timeout_portfolio=10.0,
        timeout_disconnection=5.0,
        timeout_post_stop=2.0,
    )


async def watch(node: TradingNode) -> None:
    """Crash the market once the order has filled; stop once the exchange has closed it."""
    deadline = time.monotonic() + DEADLINE_S
    crashed = False
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        cache = node.kernel.cache
        if seen["fills"] and not crashed:
            position = cache.positions_open(instrument_id=INSTRUMENT)
            if position:
                seen["opened"] = str(position[0].signed_qty)
                seen["crash"] = admin("/admin/crash", symbol="BTCUSDT", percent="-10", steps="10")
                crashed = True
        elif crashed and node.kernel.portfolio.is_flat(INSTRUMENT):
            await asyncio.sleep(2)  # the account update after the close
            break
    cache = node.kernel.cache
    seen["net_position"] = str(node.kernel.portfolio.net_position(INSTRUMENT))
    account = cache.account_for_venue(BINANCE_VENUE)
    usdt = Currency.from_str("USDT")
    seen["balance"] = str(account.balance_total(usdt).as_decimal()) if account else None
    seen["positions_closed"] = len(cache.positions_closed(instrument_id=INSTRUMENT))
    seen["orders"] = [
        {"client_order_id": str(o.client_order_id), "status": o.status.name, "side": o.side.name}
        for o in cache.orders(instrument_id=INSTRUMENT)
    ]
    await node.stop_async()


async def run(node: TradingNode) -> None:
    """Run the node until the watcher is done, then stop it."""
    runner = asyncio.ensure_future(node.run_async())
    try:
        await watch(node)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


def main() -> None:
    node = TradingNode(config=node_config())
    node.add_data_client_factory(BINANCE, BinanceLiveDataClientFactory)
    node.add_exec_client_factory(BINANCE, BinanceLiveExecClientFactory)
    bar_type = BarType.from_str("BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL")
    node.trader.add_strategy(BuyOnBar(BuyOnBarConfig(instrument_id=INSTRUMENT, bar_type=bar_type)))
    node.build()
    node.get_event_loop().run_until_complete(run(node))  # the node's own loop
    node.dispose()
    Path(os.environ["NAUTILUS_RESULT"]).write_text(json.dumps(seen, default=str))


if __name__ == "__main__":
    main()
