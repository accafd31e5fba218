"""Binance COIN-M's JSON shapes (``/dapi``) where they differ from USDⓈ-M's (``views``).

An inverse contract is quoted in USD and margined in its coin: quantities are whole contracts
of ``contractSize`` USD, values (``notionalValue``, ``cumBase``, ``baseQty``) and every margin
figure are in the coin. Every figure of an account comes from the read model
(``read.account_figures``); decimals are written as Binance writes them (``views.d``).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from liquidator.api import precision, views
from liquidator.api.views import d
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.contracts.brackets import Bracket
from liquidator.core.contracts.instrument import Instrument
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.venue import SymbolState
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.scaled import SCALE
from liquidator.read import account_figures
from liquidator.read.account_figures import AssetFigures, PositionFigures
from liquidator.read.break_even import break_even_price

COIN_PLACES = Decimal("0.00000001")


def pair(instrument: Instrument) -> str:
    """The underlying pair of a contract (``BTCUSD`` for ``BTCUSD_PERP``)."""
    return instrument.base_asset + instrument.quote_asset


def exchange_info(states: list[SymbolState], now_ms: int, weight_limit: int) -> dict[str, Any]:
    """``GET /dapi/v1/exchangeInfo``: the inverse contracts, COIN-M's shape."""
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": weight_limit,
            },
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
        ],
        "exchangeFilters": [],
        "symbols": [symbol_info(state.instrument) for state in states],
    }


def symbol_info(instrument: Instrument) -> dict[str, Any]:
    """A COIN-M symbol: ``pair``, ``contractSize``, ``contractStatus``; no MIN_NOTIONAL."""
    row = views.symbol_info(instrument)
    del row["status"]
    filters = [f for f in row["filters"] if f["filterType"] != "MIN_NOTIONAL"]
    return row | {
        "pair": pair(instrument),
        "contractStatus": "TRADING",
        "contractSize": instrument.contract_size,
        "equalQtyPrecision": 4,
        "filters": filters,
    }


def _coin(value: Decimal) -> str:
    """A coin amount floored to 8 decimals, written as Binance writes it."""
    return d(int(value.quantize(COIN_PLACES, rounding=ROUND_DOWN) * SCALE))


def order_json(order: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    """A USDⓈ-M order body as COIN-M writes it: ``cumBase`` (the coin value filled:
    ``executedQty x contractSize / avgPrice``, floored) instead of ``cumQuote``, and ``pair``."""
    body = {k: v for k, v in order.items() if k != "cumQuote"}
    executed, average = Decimal(order["executedQty"]), Decimal(order["avgPrice"])
    base = executed * instrument.contract_size / average if average else Decimal(0)
    return body | {"cumBase": _coin(base), "pair": pair(instrument)}


def user_trade(trade: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    """A USDⓈ-M ``userTrades`` row as COIN-M writes it: ``baseQty`` in the coin, ``pair``,
    ``marginAsset``; no ``quoteQty``."""
    body = {k: v for k, v in trade.items() if k != "quoteQty"}
    base = Decimal(trade["qty"]) * instrument.contract_size / Decimal(trade["price"])
    return body | {
        "baseQty": _coin(base),
        "pair": pair(instrument),
        "marginAsset": instrument.margin_asset,
    }


def brackets(state: SymbolState, key: str) -> dict[str, Any]:
    """A symbol's brackets (``key``: ``symbol``, or ``pair`` for ``/dapi/v1``), in coin."""
    instrument = state.instrument
    name = instrument.symbol if key == "symbol" else pair(instrument)
    body: dict[str, Any] = {key: name}
    if key == "symbol":
        body["notionalCoef"] = 1.0
    return body | {"brackets": [_bracket(b) for b in state.table.brackets]}


def _bracket(b: Bracket) -> dict[str, Any]:
    return {
        "bracket": b.number,
        "initialLeverage": b.initial_leverage,
        "qtyCap": views.number(b.cap.raw),
        "qtyFloor": views.number(b.floor.raw),
        "maintMarginRatio": views.number(b.maintenance_margin_rate.raw),
        "cum": views.number(b.maintenance_amount.raw),
    }


def _held(account: AccountState, states: list[SymbolState]) -> list[PositionState]:
    """Every contract's positions, a flat BOTH one for a contract never held."""
    held = []
    for state in states:
        symbol = state.instrument.symbol
        mine = sorted(
            (p for p in account.held_positions() if p.symbol == symbol),
            key=lambda p: p.side.value,
        )
        held += mine or [PositionState(account.account, symbol, PositionSide.BOTH)]
    return held


def position_rows(
    live: LiveExchange, account: AccountState, states: list[SymbolState]
) -> list[dict[str, Any]]:
    """``GET /dapi/v1/positionRisk``: every contract's positions."""
    venue = live.venue
    return [
        _position_row(live, account, account_figures.position_figures(venue, account, p))
        for p in _held(account, states)
    ]


def _position_row(live: LiveExchange, account: AccountState, f: PositionFigures) -> dict[str, Any]:
    state = live.venue.symbols[f.symbol]
    p = f.position
    entry = account_figures.entry_price(live.venue, p)
    return {
        "symbol": f.symbol,
        "positionAmt": precision.quantity(f.symbol, p.quantity),
        "entryPrice": d(entry),
        "breakEvenPrice": d(break_even_price(live.venue, live.orders, account.account, p)),
        "markPrice": precision.mark(f.mark),
        "unRealizedProfit": d(f.unrealized),
        "liquidationPrice": d(f.liquidation_price),
        "leverage": str(f.leverage),
        "maxQty": d(state.table.max_notional_at_leverage(f.leverage) or 0),
        "marginType": "isolated" if f.isolated else "cross",
        "isolatedMargin": d(f.isolated_margin),
        "isAutoAddMargin": "false",
        "positionSide": p.side.value,
        "notionalValue": d(f.notional),
        "isolatedWallet": d(f.isolated_wallet),
        "updateTime": live.last_ms,
    }


def _account_position(live: LiveExchange, f: PositionFigures) -> dict[str, Any]:
    state = live.venue.symbols[f.symbol]
    p = f.position
    return {
        "symbol": f.symbol,
        "positionAmt": precision.quantity(f.symbol, p.quantity),
        "initialMargin": d(f.initial + f.order_initial),
        "maintMargin": d(f.maintenance),
        "unrealizedProfit": d(f.unrealized),
        "positionInitialMargin": d(f.initial),
        "openOrderInitialMargin": d(f.order_initial),
        "leverage": str(f.leverage),
        "isolated": f.isolated,
        "positionSide": p.side.value,
        "entryPrice": d(account_figures.entry_price(live.venue, p)),
        "maxQty": d(state.table.max_notional_at_leverage(f.leverage) or 0),
        "updateTime": live.last_ms,
    }


def _asset_row(f: AssetFigures, live: LiveExchange) -> dict[str, Any]:
    return {
        "asset": f.asset,
        "walletBalance": d(f.wallet),
        "unrealizedProfit": d(f.unrealized),
        "marginBalance": d(f.margin_balance),
        "maintMargin": d(f.maintenance),
        "initialMargin": d(f.initial),
        "positionInitialMargin": d(f.position_initial),
        "openOrderInitialMargin": d(f.order_initial),
        "maxWithdrawAmount": d(f.max_withdraw),
        "crossWalletBalance": d(f.cross_wallet),
        "crossUnPnl": d(f.cross_unrealized),
        "availableBalance": d(max(0, f.available)),
        "updateTime": live.last_ms or 1,
    }


def _assets(states: list[SymbolState]) -> list[str]:
    return sorted({state.instrument.margin_asset for state in states})


def balances(
    live: LiveExchange, account: AccountState, states: list[SymbolState]
) -> list[dict[str, Any]]:
    """``GET /dapi/v1/balance``: one row per coin the contracts are margined in."""
    figures = account_figures.account_figures(live.venue, account)
    return [
        {
            "accountAlias": account.account[:4],
            "asset": f.asset,
            "balance": d(f.wallet),
            "withdrawAvailable": d(f.max_withdraw),
            "crossWalletBalance": d(f.cross_wallet),
            "crossUnPnl": d(f.cross_unrealized),
            "availableBalance": d(max(0, f.available)),
            "updateTime": live.last_ms or 1,
        }
        for f in figures.assets
        if f.asset in _assets(states)
    ]


def account_json(
    live: LiveExchange, account: AccountState, states: list[SymbolState]
) -> dict[str, Any]:
    """``GET /dapi/v1/account``: coin assets and every contract's positions."""
    venue = live.venue
    figures = account_figures.account_figures(venue, account)
    positions = [
        account_figures.position_figures(venue, account, p, liquidation=False)
        for p in _held(account, states)
    ]
    return {
        "assets": [_asset_row(f, live) for f in figures.assets if f.asset in _assets(states)],
        "positions": [_account_position(live, f) for f in positions],
        "canDeposit": True,
        "canTrade": True,
        "canWithdraw": True,
        "feeTier": 0,
        "updateTime": live.last_ms or 1,
    }
