"""Account configuration a bot reads at start: fees, symbol and account settings, modes, limits.

``/sapi/v1/capital/config/getall`` is the wallet's coin list ccxt's ``load_markets()`` asks for
when it has keys: this venue has no spot wallet, so it lists the venue's assets (margin, base and
quote) with nothing held there (``free`` "0"), deposits and withdrawals enabled and no network;
``/sapi/v1/margin/allPairs`` (asked with it) is empty: no spot margin trading here.
The venue runs in single-asset mode only (``multiAssetsMargin`` false).
"""

from __future__ import annotations

from typing import Any

from liquidator.api import views
from liquidator.api.limits import DEFAULT_ORDERS_PER_10S, DEFAULT_ORDERS_PER_MINUTE
from liquidator.api.rest.routes_market import (
    OPTIONAL_SYMBOL,
    SYMBOL,
    family_states,
    optional_states,
    symbol_state,
)
from liquidator.api.rest.routing import Call, Route, Security
from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.venue import SymbolState
from liquidator.core.margin.position import MarginType

SIGNED = Security.SIGNED


def _account(call: Call) -> AccountState:
    return call.server.live.venue.accounts[call.account]


def _states(call: Call) -> list[SymbolState]:
    return optional_states(call) or family_states(call)


def commission_rate(call: Call) -> dict[str, Any]:
    """The venue's maker and taker rates (one schedule for every account)."""
    fees = call.server.live.venue.config.fees
    return {
        "symbol": symbol_state(call).instrument.symbol,
        "makerCommissionRate": views.d(fees.maker_rate),
        "takerCommissionRate": views.d(fees.taker_rate),
    }


def symbol_config(call: Call) -> list[dict[str, Any]]:
    """Each symbol's margin type, leverage and the notional that leverage allows."""
    account = _account(call)
    rows = []
    for state in _states(call):
        symbol = state.instrument.symbol
        leverage = account.leverage_of(symbol)
        isolated = account.margin_type_of(symbol) is MarginType.ISOLATED
        rows.append(
            {
                "symbol": symbol,
                "marginType": "ISOLATED" if isolated else "CROSSED",
                "isAutoAddMargin": False,  # a JSON boolean: nautilus_trader decodes a bool
                "leverage": leverage,
                "maxNotionalValue": views.d(state.table.max_notional_at_leverage(leverage) or 0),
            }
        )
    return rows


def account_config(call: Call) -> dict[str, Any]:
    return {
        "feeTier": 0,
        "canTrade": True,
        "canDeposit": True,
        "canWithdraw": True,
        "dualSidePosition": _account(call).hedge,
        "updateTime": call.server.live.last_ms or 0,
        "multiAssetsMargin": False,
        "tradeGroupId": -1,
    }


def multi_assets_margin(call: Call) -> dict[str, Any]:  # noqa: ARG001
    return {"multiAssetsMargin": False}


def api_trading_status(call: Call) -> dict[str, Any]:
    """No quantitative rule ever triggers here: no indicators, for any symbol."""
    return {"indicators": {}, "updateTime": call.now_ms}


def order_rate_limits(call: Call) -> list[dict[str, Any]]:  # noqa: ARG001
    return [
        {
            "rateLimitType": "ORDERS",
            "interval": "SECOND",
            "intervalNum": 10,
            "limit": DEFAULT_ORDERS_PER_10S,
        },
        {
            "rateLimitType": "ORDERS",
            "interval": "MINUTE",
            "intervalNum": 1,
            "limit": DEFAULT_ORDERS_PER_MINUTE,
        },
    ]


def capital_config(call: Call) -> list[dict[str, Any]]:
    _account(call)  # the key's account exists
    assets = sorted(
        {
            asset
            for state in call.server.live.venue.symbols.values()
            for asset in (
                state.instrument.base_asset,
                state.instrument.quote_asset,
                state.instrument.margin_asset,
            )
        }
    )
    return [_coin(asset) for asset in assets]


def margin_pairs(call: Call) -> list[dict[str, Any]]:  # noqa: ARG001
    """Spot cross-margin pairs (ccxt asks with its currencies): this venue has none."""
    return []


def _coin(asset: str) -> dict[str, Any]:
    return {
        "coin": asset,
        "depositAllEnable": True,
        "withdrawAllEnable": True,
        "name": asset,
        "free": "0",
        "locked": "0",
        "freeze": "0",
        "withdrawing": "0",
        "ipoing": "0",
        "ipoable": "0",
        "storage": "0",
        "isLegalMoney": False,
        "trading": True,
        "networkList": [],
    }


ROUTES = (
    Route("GET", "/fapi/v1/commissionRate", commission_rate, SIGNED, 20, (SYMBOL,)),
    Route("GET", "/fapi/v1/symbolConfig", symbol_config, SIGNED, 5, (OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v1/accountConfig", account_config, SIGNED, 5),
    Route("GET", "/fapi/v1/multiAssetsMargin", multi_assets_margin, SIGNED, 30),
    Route("GET", "/fapi/v1/apiTradingStatus", api_trading_status, SIGNED, 1, (OPTIONAL_SYMBOL,)),
    Route("GET", "/fapi/v1/rateLimit/order", order_rate_limits, SIGNED, 1),
    Route("GET", "/sapi/v1/capital/config/getall", capital_config, SIGNED, 10),
    Route("GET", "/sapi/v1/margin/allPairs", margin_pairs, Security.USER_STREAM, 1),
)
