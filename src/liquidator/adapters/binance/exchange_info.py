"""Contract specs from a Binance ``GET /fapi/v1/exchangeInfo`` or ``/dapi/v1/exchangeInfo`` body.

A symbol with ``contractSize`` and its base asset as margin asset is inverse (COIN-M); the rest
are linear (USD-M). Filters give the tick (``PRICE_FILTER``), the step and minimum quantity
(``LOT_SIZE``) and, for USD-M, the minimum notional (``MIN_NOTIONAL``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liquidator.adapters.binance import fields
from liquidator.adapters.binance.fields import InputError
from liquidator.core.contracts.instrument import ContractKind, Instrument, OrderFilters
from liquidator.core.money.fixed import Price, Qty


def parse_exchange_info(document: Any, name: str = "exchangeInfo") -> dict[str, Instrument]:
    """Return the instruments of an exchangeInfo body, keyed by symbol."""
    body = fields.mapping(document, name)
    symbols = fields.sequence(fields.required(body, "symbols", name), f"{name}.symbols")
    result: dict[str, Instrument] = {}
    for index, entry in enumerate(symbols):
        where = f"{name}.symbols[{index}]"
        instrument = parse_symbol(fields.mapping(entry, where), where)
        result[instrument.symbol] = instrument
    return result


def parse_symbol(entry: Mapping[str, Any], where: str) -> Instrument:
    """Return one instrument from an exchangeInfo ``symbols[]`` entry."""
    symbol = fields.text(entry, "symbol", where)
    base = fields.text(entry, "baseAsset", where)
    quote = fields.text(entry, "quoteAsset", where)
    margin = fields.text(entry, "marginAsset", where)
    inverse = "contractSize" in entry and margin == base
    filters = _filters(entry, where)
    price_filter = _filter(filters, "PRICE_FILTER", where)
    lot_size = _filter(filters, "LOT_SIZE", where)
    min_notional = filters.get("MIN_NOTIONAL")
    try:
        return Instrument(
            symbol=symbol,
            kind=ContractKind.INVERSE if inverse else ContractKind.LINEAR,
            base_asset=base,
            quote_asset=quote,
            margin_asset=margin,
            tick_size=Price(_positive(price_filter, "tickSize", f"{where}.PRICE_FILTER")),
            step_size=Qty(_positive(lot_size, "stepSize", f"{where}.LOT_SIZE")),
            min_qty=fields.quantity(lot_size, "minQty", f"{where}.LOT_SIZE"),
            min_notional=(
                fields.amount(min_notional, "notional", f"{where}.MIN_NOTIONAL", margin)
                if min_notional is not None
                else None
            ),
            liquidation_fee_rate=fields.rate(entry, "liquidationFee", where),
            contract_size=fields.integer(entry, "contractSize", where) if inverse else 1,
            filters=_order_filters(entry, filters, where),
        )
    except ValueError as error:
        if isinstance(error, InputError):
            raise
        raise InputError(where, symbol, str(error)) from None


def _order_filters(
    entry: Mapping[str, Any], filters: dict[str, Mapping[str, Any]], where: str
) -> OrderFilters:
    """Return the trading limits of PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, PERCENT_PRICE, ..."""

    def value(kind: str, key: str, source: Mapping[str, Any] | None = None) -> int:
        obj = filters.get(kind, {}) if source is None else source
        if obj.get(key) is None:
            return 0
        raw = fields.decimal_raw(obj[key], f"{where}.{kind}.{key}")
        if raw < 0:
            raise InputError(f"{where}.{kind}.{key}", obj[key], "must not be negative")
        return raw

    def count(kind: str) -> int:
        limit = filters.get(kind, {}).get("limit")
        if isinstance(limit, bool) or not isinstance(limit, int):
            return 0
        return limit if 0 < limit < 10**9 else 0

    return OrderFilters(
        min_price=value("PRICE_FILTER", "minPrice"),
        max_price=value("PRICE_FILTER", "maxPrice"),
        max_qty=value("LOT_SIZE", "maxQty"),
        market_min_qty=value("MARKET_LOT_SIZE", "minQty"),
        market_max_qty=value("MARKET_LOT_SIZE", "maxQty"),
        percent_up=value("PERCENT_PRICE", "multiplierUp"),
        percent_down=value("PERCENT_PRICE", "multiplierDown"),
        max_open_orders=count("MAX_NUM_ORDERS") or 200,
        max_algo_orders=count("MAX_NUM_ALGO_ORDERS") or 10,
        market_take_bound=value("", "marketTakeBound", entry),
        trigger_protect=value("", "triggerProtect", entry),
    )


def _filters(entry: Mapping[str, Any], where: str) -> dict[str, Mapping[str, Any]]:
    raw = fields.sequence(entry.get("filters", []), f"{where}.filters")
    result: dict[str, Mapping[str, Any]] = {}
    for index, item in enumerate(raw):
        item_map = fields.mapping(item, f"{where}.filters[{index}]")
        kind = item_map.get("filterType")
        if isinstance(kind, str):
            result[kind] = item_map
    return result


def _filter(filters: dict[str, Mapping[str, Any]], kind: str, where: str) -> Mapping[str, Any]:
    if kind not in filters:
        raise InputError(f"{where}.filters", None, f"has no {kind} filter")
    return filters[kind]


def _positive(obj: Mapping[str, Any], key: str, where: str) -> int:
    raw = fields.decimal_raw(fields.required(obj, key, where), f"{where}.{key}")
    if raw <= 0:
        raise InputError(f"{where}.{key}", obj[key], "must be positive")
    return raw


def margin_asset_guess(symbol: str, coin_margined: bool) -> str | None:
    """Guess a symbol's margin asset from its name when no contract spec is known."""
    if coin_margined:
        base = symbol.split("USD", 1)[0]
        return base or None
    for quote in ("USDT", "USDC", "BUSD", "FDUSD"):
        if symbol.endswith(quote):
            return quote
    return None
