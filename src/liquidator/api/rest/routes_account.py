"""Account: balances, account, positionRisk, income, forceOrders, adlQuantile, listenKey,
positionMargin/history."""

from __future__ import annotations

from typing import Any

from liquidator.api import account_views
from liquidator.api.errors import BinanceError, invalid
from liquidator.api.rest import (
    countdown,
    routes_algo,
    routes_batch,
    routes_config,
    routes_quotes,
    routes_settings,
    routes_stats,
)
from liquidator.api.rest.routes_market import LIMIT, RANGE, limit, symbol_state
from liquidator.api.rest.routing import Call, Family, Param, Route, Security
from liquidator.core.exchange.account_state import AccountState
from liquidator.read.insurance_funds import adl_quantiles
from liquidator.read.margin_changes import ADD, REDUCE

SIGNED = Security.SIGNED
MARGIN_HISTORY_DAYS = 30  # Binance: no older than 30 days, at most 30 days between the bounds
DAY_MS = 86_400_000
LOOKUP_INTERVAL_TOO_BIG = -1127
INCOME_TYPES = ("TRANSFER", "REALIZED_PNL", "FUNDING_FEE", "COMMISSION", "INSURANCE_CLEAR")


def _account(call: Call) -> AccountState:
    return call.server.live.venue.accounts[call.account]


def balance(call: Call) -> list[dict[str, Any]]:
    return account_views.balances(call.server.live, _account(call))


def account_v2(call: Call) -> dict[str, Any]:
    return account_views.account_json(call.server.live, _account(call), 2)


def account_v3(call: Call) -> dict[str, Any]:
    return account_views.account_json(call.server.live, _account(call), 3)


def _positions(call: Call, version: int) -> list[dict[str, Any]]:
    rows = account_views.position_rows(call.server.live, _account(call), version)
    if "symbol" in call.params:
        symbol = symbol_state(call).instrument.symbol
        rows = [row for row in rows if row["symbol"] == symbol]
    return rows


def position_risk_v2(call: Call) -> list[dict[str, Any]]:
    return _positions(call, 2)


def position_risk_v3(call: Call) -> list[dict[str, Any]]:
    return _positions(call, 3)


def income(call: Call) -> list[dict[str, Any]]:
    p = call.params
    kind = p.text("incomeType")
    if kind is not None and kind not in INCOME_TYPES:
        raise invalid("incomeType")
    symbol = symbol_state(call).instrument.symbol if "symbol" in p else None
    rows = call.server.live.income.query(
        call.account,
        symbol=symbol,
        income_type=kind,
        start_ms=p.integer("startTime"),
        end_ms=p.integer("endTime"),
        limit=limit(call, 100, 1000),
    )
    return of_family(call, [row.to_binance() for row in rows])


def force_orders(call: Call) -> list[dict[str, Any]]:
    p = call.params
    kind = p.text("autoCloseType")
    if kind is not None and kind not in ("LIQUIDATION", "ADL"):
        raise invalid("autoCloseType")
    symbol = symbol_state(call).instrument.symbol if "symbol" in p else None
    rows = call.server.live.force_orders.query(
        call.account,
        symbol=symbol,
        auto_close_type=kind,
        start_ms=p.integer("startTime"),
        end_ms=p.integer("endTime"),
        limit=limit(call, 50, 100),
    )
    return of_family(call, [row.to_binance() for row in rows])


def of_family(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the route's family only (Binance keeps USDⓈ-M and COIN-M apart): its symbols'
    rows, and a row without a symbol by its asset (a USDT transfer is USDⓈ-M's)."""
    venue = call.server.live.venue
    states = [s for s in venue.symbols.values() if call.family.lists(s.instrument)]
    symbols = {s.instrument.symbol for s in states}
    assets = {s.instrument.margin_asset for s in states}
    return [
        row
        for row in rows
        if row.get("symbol") in symbols or (not row.get("symbol") and row.get("asset") in assets)
    ]


def adl_quantile(call: Call) -> list[dict[str, Any]]:
    rows = adl_quantiles(call.server.live.venue, call.account)
    if "symbol" in call.params:
        symbol = symbol_state(call).instrument.symbol
        rows = [row for row in rows if row["symbol"] == symbol]
    return rows


def position_margin_history(call: Call) -> list[dict[str, Any]]:
    """The account's isolated margin adjustments of one symbol, oldest first.

    Binance's bounds: ``endTime`` defaults to now, ``startTime`` to 30 days before ``endTime``;
    more than 30 days between them is -1127; nothing older than 30 days before now is listed.
    """
    p = call.params
    symbol = symbol_state(call).instrument.symbol
    kind = p.integer("type")
    if kind is not None and kind not in (ADD, REDUCE):
        raise invalid("type")
    coinm = call.family is Family.COINM
    size = limit(call, 50 if coinm else 500, 1000)
    window = MARGIN_HISTORY_DAYS * DAY_MS
    end = p.integer("endTime")
    start = p.integer("startTime")
    end = call.now_ms if end is None else end
    start = end - window if start is None else start
    if start > end:
        raise invalid("startTime")
    if end - start > window:
        raise BinanceError(
            LOOKUP_INTERVAL_TOO_BIG,
            f"More than {MARGIN_HISTORY_DAYS * 24} hours between startTime and endTime.",
        )
    rows = call.server.live.histories.margin_changes.query(
        call.account,
        symbol,
        change_type=kind,
        start_ms=max(start, call.now_ms - window),
        end_ms=end,
        limit=size,
    )
    if coinm:  # COIN-M's rows have no deltaType
        return [{k: v for k, v in row.to_binance().items() if k != "deltaType"} for row in rows]
    return [row.to_binance() for row in rows]


def new_listen_key(call: Call) -> dict[str, Any]:
    return {"listenKey": call.server.listen_keys.open(call.account, call.server.wall_ms())}


def keep_listen_key(call: Call) -> dict[str, Any]:
    return {"listenKey": call.server.listen_keys.keep_alive(call.account, call.server.wall_ms())}


def close_listen_key(call: Call) -> dict[str, Any]:
    call.server.listen_keys.close(call.account)
    return {}


SYMBOL = Param("symbol")
ROUTES = (
    Route("GET", "/fapi/v2/balance", balance, SIGNED, 5),
    Route("GET", "/fapi/v3/balance", balance, SIGNED, 5),
    Route("GET", "/fapi/v2/account", account_v2, SIGNED, 5),
    Route("GET", "/fapi/v3/account", account_v3, SIGNED, 5),
    Route("GET", "/fapi/v2/positionRisk", position_risk_v2, SIGNED, 5, (SYMBOL,)),
    Route("GET", "/fapi/v3/positionRisk", position_risk_v3, SIGNED, 5, (SYMBOL,)),
    Route(
        "GET",
        "/fapi/v1/income",
        income,
        SIGNED,
        30,
        (SYMBOL, Param("incomeType", enum=INCOME_TYPES), LIMIT, *RANGE),
    ),
    Route(
        "GET",
        "/fapi/v1/forceOrders",
        force_orders,
        SIGNED,
        20,
        (SYMBOL, Param("autoCloseType", enum=("LIQUIDATION", "ADL")), LIMIT, *RANGE),
    ),
    Route("GET", "/fapi/v1/adlQuantile", adl_quantile, SIGNED, 5, (SYMBOL,)),
    Route(
        "GET",
        "/fapi/v1/positionMargin/history",
        position_margin_history,
        SIGNED,
        1,
        (
            Param("symbol", required=True),
            Param("type", "integer", enum=(str(ADD), str(REDUCE))),
            LIMIT,
            *RANGE,
        ),
    ),
    Route("POST", "/fapi/v1/listenKey", new_listen_key, Security.USER_STREAM),
    Route("PUT", "/fapi/v1/listenKey", keep_listen_key, Security.USER_STREAM),
    Route("DELETE", "/fapi/v1/listenKey", close_listen_key, Security.USER_STREAM),
    *routes_config.ROUTES,  # served with these (app.py lists the route modules it had)
    *routes_quotes.ROUTES,
    *routes_batch.ROUTES,
    *routes_algo.ROUTES,
    *countdown.ROUTES,
    *routes_stats.ROUTES,
    *routes_settings.ROUTES,
)
