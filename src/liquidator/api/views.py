"""Binance's JSON shapes for what the engine and the read models hold (field names as Binance's).

Every number is a decimal string, as Binance sends them; times are epoch milliseconds.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from liquidator.api import precision
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.contracts.instrument import Instrument
from liquidator.core.exchange.orders import Order, OrderType, value
from liquidator.core.exchange.venue import SymbolState
from liquidator.core.money.fixed import SCALE, trim_raw
from liquidator.core.pricing.updates import funding_rate
from liquidator.read.market_history import Bar

ORDER_TYPES = [
    "LIMIT",
    "MARKET",
    "STOP",
    "STOP_MARKET",
    "TAKE_PROFIT",
    "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
]
TIME_IN_FORCE = ["GTC", "IOC", "FOK", "GTX"]
PERPETUAL_DELIVERY = 4133404800000
ONBOARD_MS = 1569398400000


def d(raw: int) -> str:
    """A raw value as Binance prints it (the shortest exact decimal)."""
    return trim_raw(raw)


def d16(value16: int) -> str:
    """A ``qty x price`` product (10**-16) as a decimal (rounded down to 10**-8)."""
    return trim_raw(value16 // SCALE)


def number(raw: int) -> float:
    """A raw value for the few fields Binance sends as a JSON number, not a string.

    ``positionMargin``'s ``amount`` is one (``"amount": 100.0``). Every client decodes a JSON number
    to the nearest binary double, which is what this returns (a correctly rounded conversion of the
    exact value), so the wire loses nothing a client would keep; nothing reads it back.
    """
    return float(Fraction(raw, SCALE))


# --- market -------------------------------------------------------------------------------------


def exchange_info(states: list[SymbolState], now_ms: int, weight_limit: int) -> dict[str, Any]:
    """``GET /fapi/v1/exchangeInfo`` for ``states`` (the linear contracts)."""
    symbols = [symbol_info(state.instrument) for state in states]
    assets = sorted({state.instrument.margin_asset for state in states})
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "futuresType": "U_MARGINED",
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
        "assets": [
            {"asset": asset, "marginAvailable": True, "autoAssetExchange": "0"} for asset in assets
        ],
        "symbols": symbols,
    }


def symbol_info(instrument: Instrument) -> dict[str, Any]:
    f = instrument.filters
    tick, step = instrument.tick_size.raw, instrument.step_size.raw
    places = precision.symbol_places(instrument.symbol, tick, step)
    return {
        "symbol": instrument.symbol,
        "pair": instrument.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": PERPETUAL_DELIVERY,
        "onboardDate": ONBOARD_MS,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": instrument.base_asset,
        "quoteAsset": instrument.quote_asset,
        "marginAsset": instrument.margin_asset,
        "pricePrecision": places[0],
        "quantityPrecision": places[1],
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": d(f.trigger_protect),
        "liquidationFee": d(instrument.liquidation_fee_rate.raw),
        "marketTakeBound": d(f.market_take_bound),
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": precision.fixed(f.min_price or tick, places[0]),
                "maxPrice": d(f.max_price or 10**8 * SCALE),
                "tickSize": precision.fixed(tick, places[0]),  # "0.10", as Binance writes it
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": d(instrument.min_qty.raw),
                "maxQty": d(f.max_qty or 10**7 * SCALE),
                "stepSize": d(step),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": d(f.market_min_qty or instrument.min_qty.raw),
                "maxQty": d(f.market_max_qty or f.max_qty or 10**7 * SCALE),
                "stepSize": d(step),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": f.max_open_orders},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": f.max_algo_orders},
            {
                "filterType": "MIN_NOTIONAL",
                "notional": d(instrument.min_notional.raw) if instrument.min_notional else "0",
            },
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": d(f.percent_up or 105 * SCALE // 100),
                "multiplierDown": d(f.percent_down or 95 * SCALE // 100),
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": ORDER_TYPES,
        "timeInForce": TIME_IN_FORCE,
    }


def premium_index(live: LiveExchange, state: SymbolState) -> dict[str, Any]:
    venue = live.venue
    return {
        "symbol": state.instrument.symbol,
        "markPrice": precision.mark(state.mark_price),
        "indexPrice": precision.mark(state.index_price),
        "estimatedSettlePrice": precision.mark(state.mark_price),
        "lastFundingRate": d(funding_rate(venue, state)),
        "interestRate": d(venue.config.funding.interest_rate_raw),
        "nextFundingTime": state.next_funding_ms,
        "time": live.now_ms(),
    }


def kline_row(bar: Bar, interval_ms: int, symbol: str, *, mark: bool = False) -> list[Any]:
    """A kline as Binance writes it: prices with the symbol's precision (a mark price kline's
    with 8 decimals), volumes with its quantity precision."""
    price = precision.mark if mark else (lambda raw: precision.price(symbol, raw))
    return [
        bar.open_ms,
        price(bar.open),
        price(bar.high),
        price(bar.low),
        price(bar.close),
        precision.quantity(symbol, bar.volume),
        bar.open_ms + interval_ms - 1,
        d16(bar.quote),
        bar.trades,
        precision.quantity(symbol, bar.taker_buy_volume),
        d16(bar.taker_buy_quote),
        "0",
    ]


# --- orders -------------------------------------------------------------------------------------


def order_json(order: Order) -> dict[str, Any]:
    """An order as ``GET /fapi/v1/order`` shows it (the venue's own types as LIMIT).

    Its enums' texts come from ``orders.value`` (a scan of a few members, compiled), not Enum's
    ``.value`` property: this is written for every order placed, queried or cancelled."""
    kind = "LIMIT" if order.type.is_venue_only else value(order.type)
    orig = "LIMIT" if order.orig_type.is_venue_only else value(order.orig_type)
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": value(order.status),
        "clientOrderId": order.client_order_id,
        "price": precision.price(order.symbol, order.price),
        "avgPrice": precision.price(order.symbol, order.average_price),
        "origQty": precision.quantity(order.symbol, order.quantity),
        "executedQty": precision.quantity(order.symbol, order.executed),
        "cumQty": precision.quantity(order.symbol, order.executed),
        "cumQuote": precision.fixed(
            order.cum_quote_raw, sum(precision.symbol_places(order.symbol))
        ),
        "timeInForce": value(order.time_in_force),
        "type": kind,
        "reduceOnly": order.reduce_only,
        "closePosition": order.close_position,
        "side": value(order.side),
        "positionSide": value(order.position_side),
        "stopPrice": precision.price(order.symbol, order.stop_price),
        "workingType": value(order.working_type),
        "priceProtect": order.price_protect,
        "origType": orig,
        "priceMatch": "NONE",
        "selfTradePreventionMode": value(order.stp),
        "goodTillDate": 0,
        "time": order.created_ms,
        "updateTime": order.updated_ms,
        **(
            {"activatePrice": d(order.activation_price), "priceRate": d(order.callback_rate)}
            if order.orig_type is OrderType.TRAILING_STOP_MARKET
            else {}
        ),
    }


def algo_json(order: Order, triggered: bool) -> dict[str, Any]:
    """A conditional order as ``/fapi/v1/algoOrder`` shows it."""
    if order.status.is_open:
        status = "TRIGGERED" if triggered else "NEW"
    else:
        status = "FINISHED" if triggered else order.status.value
    return {
        "algoId": order.order_id,
        "clientAlgoId": order.client_order_id,
        "algoType": "CONDITIONAL",
        "orderType": order.orig_type.value,
        "symbol": order.symbol,
        "side": order.side.value,
        "positionSide": order.position_side.value,
        "timeInForce": order.time_in_force.value,
        "quantity": precision.quantity(order.symbol, order.quantity),
        "algoStatus": status,
        "triggerPrice": precision.price(order.symbol, order.stop_price),
        "price": precision.price(order.symbol, order.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": order.stp.value,
        "workingType": order.working_type.value,
        "priceMatch": "NONE",
        "closePosition": order.close_position,
        "priceProtect": order.price_protect,
        "reduceOnly": order.reduce_only,
        "activatePrice": d(order.activation_price),
        "callbackRate": d(order.callback_rate),
        "createTime": order.created_ms,
        "updateTime": order.updated_ms,
        "triggerTime": order.updated_ms if triggered else 0,
        "goodTillDate": 0,
    }
