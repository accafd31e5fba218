"""Binance's JSON shapes for what the engine and the read models hold (field names as Binance's).

Every number is a decimal string, as Binance sends them; times are epoch milliseconds.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from liquidator.api import precision
from liquidator.app.live_exchange import LiveExchange
from liquidator.app.market_history import Bar
from liquidator.core.accounts import AccountState, PositionState
from liquidator.core.fixed import SCALE, trim_raw
from liquidator.core.instrument import Instrument
from liquidator.core.margin_unit import boundary_price, position_figures
from liquidator.core.orders import Order, OrderType
from liquidator.core.position import MarginType, PositionSide
from liquidator.core.pretrade import Figures, figures, open_order_margin, position_margin
from liquidator.core.pricing import funding_rate
from liquidator.core.units import balance_without, unit, unit_key
from liquidator.core.venue import SymbolState, Venue

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


def _cross_wallet(f: Figures, live: LiveExchange) -> dict[str, Any]:
    """The cross-wallet fields a balance row and an account asset row share."""
    return {
        "crossWalletBalance": d(f.wallet),
        "crossUnPnl": d(f.unrealized),
        "availableBalance": d(max(0, f.available)),
        "maxWithdrawAmount": d(f.max_withdraw),
        "marginAvailable": True,
        "updateTime": live.last_ms or 1,
    }


# --- market -------------------------------------------------------------------------------------


def exchange_info(venue: Venue, now_ms: int, weight_limit: int) -> dict[str, Any]:
    symbols = [symbol_info(state.instrument) for _, state in sorted(venue.symbols.items())]
    assets = sorted({state.instrument.margin_asset for state in venue.symbols.values()})
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
                "minPrice": d(f.min_price or tick),
                "maxPrice": d(f.max_price or 10**8 * SCALE),
                "tickSize": d(tick),
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
    """An order as ``GET /fapi/v1/order`` shows it (the venue's own types as LIMIT)."""
    kind = "LIMIT" if order.type.is_venue_only else order.type.value
    orig = "LIMIT" if order.orig_type.is_venue_only else order.orig_type.value
    return {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": order.status.value,
        "clientOrderId": order.client_order_id,
        "price": precision.price(order.symbol, order.price),
        "avgPrice": precision.price(order.symbol, order.average_price),
        "origQty": precision.quantity(order.symbol, order.quantity),
        "executedQty": precision.quantity(order.symbol, order.executed),
        "cumQty": precision.quantity(order.symbol, order.executed),
        "cumQuote": precision.fixed(
            order.cum_quote_raw, sum(precision.symbol_places(order.symbol))
        ),
        "timeInForce": order.time_in_force.value,
        "type": kind,
        "reduceOnly": order.reduce_only,
        "closePosition": order.close_position,
        "side": order.side.value,
        "positionSide": order.position_side.value,
        "stopPrice": precision.price(order.symbol, order.stop_price),
        "workingType": order.working_type.value,
        "priceProtect": order.price_protect,
        "origType": orig,
        "priceMatch": "NONE",
        "selfTradePreventionMode": order.stp.value,
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


# --- account ------------------------------------------------------------------------------------


def liquidation_price(venue: Venue, account: AccountState, position: PositionState) -> int:
    """The mark at which the position's unit reaches 100% (others at their marks); 0: never."""
    target = unit(venue, unit_key(venue, account, position))
    if target is None:
        return 0
    others = [p for p in target.positions if p is not position]
    other_maintenance = sum(
        position_figures(p, venue.symbols[p.symbol].mark_price, venue.symbols[p.symbol].tiers)[1]
        for p in others
    )
    balance = balance_without(venue, target, position) - other_maintenance
    state = venue.symbols[position.symbol]
    return boundary_price(balance, position.quantity, position.cost, state.tiers)


def position_rows(live: LiveExchange, account: AccountState, version: int) -> list[dict[str, Any]]:
    """``positionRisk`` rows (v2: every symbol in one-way mode; v3: open positions only)."""
    venue = live.venue
    rows = []
    for symbol, state in sorted(venue.symbols.items()):
        held = sorted((p for p in account.held_positions() if p.symbol == symbol), key=_side)
        if version == 3:
            held = [p for p in held if p.quantity]
        elif not held:
            held = [PositionState(account.account, symbol, _both())]
        rows += [_position_row(live, account, state, p, version) for p in held]
    return rows


def _side(position: PositionState) -> str:
    return str(position.side.value)


def _both() -> PositionSide:
    return PositionSide.BOTH


def _position_row(
    live: LiveExchange, account: AccountState, state: SymbolState, p: PositionState, version: int
) -> dict[str, Any]:
    venue = live.venue
    mark = state.mark_price
    symbol = state.instrument.symbol
    isolated = account.margin_type_of(symbol) is MarginType.ISOLATED
    wallet = venue.ledger.balance(p.ledger_key, state.instrument.margin_asset) if isolated else 0
    unrealized, maintenance = position_figures(p, mark, state.tiers) if p.quantity else (0, 0)
    leverage = account.leverage_of(symbol)
    initial = position_margin(p, mark, leverage) if p.quantity else 0
    liquidation = liquidation_price(venue, account, p) if p.quantity else 0
    notional = p.quantity * mark // SCALE
    row: dict[str, Any] = {
        "symbol": symbol,
        "positionSide": p.side.value,
        "positionAmt": precision.quantity(symbol, p.quantity),
        "entryPrice": d(p.entry_price()),
        "breakEvenPrice": d(p.entry_price()),
        "markPrice": precision.mark(mark),
        "unRealizedProfit": d(unrealized),
        "liquidationPrice": d(liquidation),
        "isolatedMargin": d(wallet + unrealized) if isolated else "0",
        "notional": d(notional),
        "isolatedWallet": d(wallet),
        "updateTime": live.last_ms,
    }
    if version == 3:
        orders = account.symbols.get(symbol)
        order_margin = open_order_margin(account, orders) if orders else 0
        row |= {
            "marginAsset": state.instrument.margin_asset,
            "initialMargin": d(initial + order_margin),
            "maintMargin": d(maintenance),
            "positionInitialMargin": d(initial),
            "openOrderInitialMargin": d(order_margin),
            "adl": state.adl_quantiles.get((account.account, p.side.value), 0),
            "bidNotional": "0",
            "askNotional": "0",
        }
    else:
        cap = state.table.max_notional_at_leverage(leverage) or 0
        row |= {
            "marginType": "isolated" if isolated else "cross",
            "isAutoAddMargin": "false",
            "leverage": str(leverage),
            "maxNotionalValue": d(cap),
        }
    return row


def balances(live: LiveExchange, account: AccountState) -> list[dict[str, Any]]:
    venue = live.venue
    rows = []
    for asset in _assets(venue):
        f = figures(venue, account, asset)
        wallet = venue.ledger.balance(account.account, asset) + isolated_wallets(
            venue, account, asset
        )
        rows.append(
            {
                "accountAlias": account.account[:4],
                "asset": asset,
                "balance": d(wallet),
                **_cross_wallet(f, live),
            }
        )
    return rows


def _assets(venue: Venue) -> list[str]:
    return sorted({state.instrument.margin_asset for state in venue.symbols.values()})


def isolated_wallets(venue: Venue, account: AccountState, asset: str) -> int:
    return sum(
        venue.ledger.balance(p.ledger_key, asset)
        for p in account.held_positions()
        if venue.assets[p.symbol] == asset
        and account.margin_type_of(p.symbol) is MarginType.ISOLATED
    )


def account_json(live: LiveExchange, account: AccountState, version: int) -> dict[str, Any]:
    """``/fapi/v2/account`` or ``/fapi/v3/account``."""
    venue = live.venue
    assets = []
    totals = dict.fromkeys(
        ("wallet", "unrealized", "maintenance", "position", "orders", "cross", "cross_pnl"), 0
    )
    for asset in _assets(venue):
        f = figures(venue, account, asset)
        isolated = isolated_wallets(venue, account, asset)
        maintenance = position_im = 0
        unrealized = 0
        for p in account.open_positions():
            state = venue.symbols[p.symbol]
            if state.instrument.margin_asset != asset:
                continue
            pnl, mm = position_figures(p, state.mark_price, state.tiers)
            unrealized += pnl
            maintenance += mm
            position_im += position_margin(p, state.mark_price, account.leverage_of(p.symbol))
        wallet = f.wallet + isolated
        assets.append(
            {
                "asset": asset,
                "walletBalance": d(wallet),
                "unrealizedProfit": d(unrealized),
                "marginBalance": d(wallet + unrealized),
                "maintMargin": d(maintenance),
                "initialMargin": d(position_im + f.order_margin),
                "positionInitialMargin": d(position_im),
                "openOrderInitialMargin": d(f.order_margin),
                **_cross_wallet(f, live),
            }
        )
        for name, value in (
            ("wallet", wallet),
            ("unrealized", unrealized),
            ("maintenance", maintenance),
            ("position", position_im),
            ("orders", f.order_margin),
            ("cross", f.wallet),
            ("cross_pnl", f.unrealized),
        ):
            totals[name] += value
    available = max(0, sum(figures(venue, account, a).available for a in _assets(venue)))
    body: dict[str, Any] = {
        "totalInitialMargin": d(totals["position"] + totals["orders"]),
        "totalMaintMargin": d(totals["maintenance"]),
        "totalWalletBalance": d(totals["wallet"]),
        "totalUnrealizedProfit": d(totals["unrealized"]),
        "totalMarginBalance": d(totals["wallet"] + totals["unrealized"]),
        "totalPositionInitialMargin": d(totals["position"]),
        "totalOpenOrderInitialMargin": d(totals["orders"]),
        "totalCrossWalletBalance": d(totals["cross"]),
        "totalCrossUnPnl": d(totals["cross_pnl"]),
        "availableBalance": d(available),
        "maxWithdrawAmount": d(
            sum(figures(venue, account, a).max_withdraw for a in _assets(venue))
        ),
        "assets": assets,
        "positions": [
            {
                k: v
                for k, v in row.items()
                if k
                in (
                    "symbol",
                    "positionSide",
                    "positionAmt",
                    "unrealizedProfit",
                    "isolatedMargin",
                    "notional",
                    "isolatedWallet",
                    "initialMargin",
                    "maintMargin",
                    "updateTime",
                    "entryPrice",
                    "leverage",
                    "maxNotional",
                )
            }
            | {"unrealizedProfit": row["unRealizedProfit"]}
            for row in position_rows(live, account, 3)
        ],
    }
    if version == 2:
        body |= {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "feeBurn": False,
            "multiAssetsMargin": False,
            "tradeGroupId": -1,
            "updateTime": live.last_ms or 1,
        }
    return body
