"""Builders for the monitor's tests: REST bodies as Binance answers them, and their snapshot."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

from liquidator.adapters.binance.snapshot import RestBodies, parse_snapshot
from liquidator.app.monitor.events import Snapshot

NOW_MS = 1_800_000_000_000


def bundled(name: str) -> Any:
    text = resources.files("liquidator.data").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)


def risk_row(
    symbol: str = "BTCUSDT",
    amount: str = "1",
    entry: str = "60000",
    mark: str | None = None,
    margin_type: str = "isolated",
    wallet: str = "3000",
    leverage: str = "20",
    side: str = "BOTH",
    liquidation: str = "0",
) -> dict[str, Any]:
    """Return a ``GET /fapi/v2/positionRisk`` row."""
    return {
        "symbol": symbol,
        "positionSide": side,
        "positionAmt": amount,
        "entryPrice": entry,
        "markPrice": mark or entry,
        "liquidationPrice": liquidation,
        "marginType": margin_type,
        "isolatedWallet": wallet if margin_type == "isolated" else "0",
        "leverage": leverage,
    }


def rest_bodies(
    rows: list[dict[str, Any]],
    cross_wallet: str = "10000",
    adl: list[dict[str, Any]] | None = None,
    funding_rate: str = "0.0001",
) -> RestBodies:
    marks = {row["symbol"]: row["markPrice"] for row in rows}
    marks.setdefault("BTCUSDT", "60000")
    marks.setdefault("ETHUSDT", "3000")
    return RestBodies(
        account={"assets": [{"asset": "USDT", "crossWalletBalance": cross_wallet}]},
        position_risk=rows,
        exchange_info=bundled("instruments.json"),
        brackets=bundled("leverage_brackets_usdm_2024-10.json"),
        premium_index=[
            {
                "symbol": symbol,
                "markPrice": mark,
                "lastFundingRate": funding_rate,
                "nextFundingTime": NOW_MS + 3_600_000,
            }
            for symbol, mark in marks.items()
        ],
        adl_quantile=adl or [],
        ts_ms=NOW_MS,
    )


def snapshot(rows: list[dict[str, Any]], **options: Any) -> Snapshot:
    return parse_snapshot(rest_bodies(rows, **options))
