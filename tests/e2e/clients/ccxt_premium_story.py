"""Premium index candles through ccxt 4.5.90: ``fetch_premium_index_ohlcv`` of binanceusdm
(``/fapi/v1/premiumIndexKlines``) and of binancecoinm (``/dapi/v1/premiumIndexKlines``).

The server runs on simulated time: the story moves each index below the market maker's quotes
(around the 60,000 mark), so the impact bid sits above the index and every sample is a positive
premium, then lets three minutes pass, 5 s at a time (a sample each).
"""

from __future__ import annotations

import os
from typing import Any

import ccxt
from story import BASE, COIN_SYMBOL, SYMBOL, admin, report

START_MS = int(os.environ["PREMIUM_START_MS"])  # the server's simulated start
usdm = ccxt.binanceusdm({"options": {"fetchCurrencies": False}})
usdm.urls["api"] = {"fapiPublic": BASE + "/fapi/v1", "fapiPrivate": BASE + "/fapi/v1"}
coinm = ccxt.binancecoinm({"options": {"fetchCurrencies": False}})
coinm.urls["api"] = {"dapiPublic": BASE + "/dapi/v1", "dapiPrivate": BASE + "/dapi/v1"}

for symbol in (SYMBOL, COIN_SYMBOL):
    admin("/admin/price", symbol=symbol, index="59000")
for _ in range(36):
    admin("/admin/time", ms=5_000)

result: dict[str, Any] = {
    "usdm": usdm.fetch_premium_index_ohlcv("BTC/USDT:USDT", "1m"),
    "usdm_first_two": usdm.fetch_premium_index_ohlcv("BTC/USDT:USDT", "1m", START_MS, 2),
    "usdm_5m": usdm.fetch_premium_index_ohlcv("BTC/USDT:USDT", "5m"),
    "coinm": coinm.fetch_premium_index_ohlcv("BTC/USD:BTC", "1m"),
}
report(result)
