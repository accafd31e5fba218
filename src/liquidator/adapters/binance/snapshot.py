"""The monitor's start state from Binance's REST bodies: the account, its positions, brackets,
marks, funding and ADL quantiles, as core values.

Inputs are the bodies of ``GET /fapi/v3/account`` (or v2: ``assets[].crossWalletBalance``),
``GET /fapi/v2/positionRisk`` (it has ``leverage`` and ``marginType``), ``/fapi/v1/exchangeInfo``
and ``/fapi/v1/leverageBracket`` (only the held symbols are read), ``/fapi/v1/premiumIndex`` (all
symbols) and ``/fapi/v1/adlQuantile``. A leverage above what the bracket allows at the entry
notional (Binance changed its brackets since) is read as the bracket's maximum: leverage moves
the initial margin only, never the liquidation price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from liquidator.adapters.binance import fields
from liquidator.adapters.binance.account_file import parse_position
from liquidator.adapters.binance.exchange_info import parse_exchange_info
from liquidator.adapters.binance.leverage_brackets import parse_leverage_brackets
from liquidator.app.monitor.events import Funding, PositionKey, Snapshot
from liquidator.core.contracts.market import Market
from liquidator.core.margin.position import Position, PositionSide
from liquidator.core.money.fixed import Amount, Price, Rate


@dataclass(frozen=True, slots=True)
class RestBodies:
    """The JSON bodies (numbers parsed as Decimal) a snapshot is read from."""

    account: Any
    position_risk: Any
    exchange_info: Any
    brackets: Any
    premium_index: Any
    adl_quantile: Any
    ts_ms: int


def parse_snapshot(bodies: RestBodies) -> Snapshot:
    """Return the account's snapshot from its REST bodies."""
    rows = [
        fields.mapping(row, "positionRisk")
        for row in fields.sequence(bodies.position_risk, "positionRisk")
        if fields.decimal_raw(
            fields.mapping(row, "positionRisk").get("positionAmt", "0"), "positionAmt"
        )
    ]
    market = _market(bodies, {fields.text(row, "symbol", "positionRisk") for row in rows})
    positions = _positions(rows, market)
    keys = [(p.symbol, p.side) for p in positions]
    funding, marks = _premium(bodies.premium_index, {p.symbol for p in positions})
    return Snapshot(
        market=market,
        wallets=_wallets(bodies.account),
        positions=positions,
        reported={key: _reported(row) for key, row in zip(keys, rows, strict=True)},
        break_even={key: _break_even(row) for key, row in zip(keys, rows, strict=True)},
        adl=_adl(bodies.adl_quantile),
        funding=funding,
        marks=marks,
        ts_ms=bodies.ts_ms,
    )


def _market(bodies: RestBodies, symbols: set[str]) -> Market:
    if not symbols:
        return Market()
    info = fields.mapping(bodies.exchange_info, "exchangeInfo")
    listed = fields.sequence(
        fields.required(info, "symbols", "exchangeInfo"), "exchangeInfo.symbols"
    )
    mine = [
        entry for entry in listed if isinstance(entry, Mapping) and entry.get("symbol") in symbols
    ]
    market = Market(parse_exchange_info({"symbols": mine}, "exchangeInfo"))
    tables = [
        entry
        for entry in fields.sequence(bodies.brackets, "leverageBracket")
        if isinstance(entry, Mapping) and entry.get("symbol") in symbols
    ]

    def asset_of(symbol: str) -> str | None:
        instrument = market.instrument(symbol)
        return instrument.margin_asset if instrument else None

    return market.with_brackets(parse_leverage_brackets(tables, asset_of, "leverageBracket"))


def _positions(rows: list[Mapping[str, Any]], market: Market) -> tuple[Position, ...]:
    """Read positionRisk v2 rows, each symbol's leverage capped at what its brackets allow."""
    caps: dict[str, int] = {}
    for index, row in enumerate(rows):
        where = f"positionRisk[{index}]"
        symbol = fields.text(row, "symbol", where)
        instrument, table = market.instrument(symbol), market.bracket_table(symbol)
        if instrument is not None and table is not None:
            quantity = abs(fields.quantity(row, "positionAmt", where).fraction)
            notional = instrument.value(quantity, fields.price(row, "entryPrice", where).fraction)
            caps[symbol] = min(
                caps.get(symbol, table.max_leverage), table.max_leverage_at(notional)
            )
    positions = []
    for index, row in enumerate(rows):
        where = f"positionRisk[{index}]"
        capped = dict(row)
        cap = caps.get(str(row.get("symbol")))
        if cap is not None:
            capped["leverage"] = str(max(1, min(fields.integer(row, "leverage", where), cap)))
        positions.append(parse_position(capped, where, market))
    return tuple(positions)


def _wallets(account: Any) -> dict[str, Amount]:
    body = fields.mapping(account, "account")
    wallets = {}
    for index, entry in enumerate(
        fields.sequence(fields.required(body, "assets", "account"), "account.assets")
    ):
        where = f"account.assets[{index}]"
        asset = fields.text(fields.mapping(entry, where), "asset", where)
        wallets[asset] = fields.amount(entry, "crossWalletBalance", where, asset)
    return wallets


def _reported(row: Mapping[str, Any]) -> Price | None:
    raw = fields.decimal_raw(row.get("liquidationPrice", "0"), "liquidationPrice")
    return Price(raw) if raw > 0 else None


def _break_even(row: Mapping[str, Any]) -> Price | None:
    raw = fields.decimal_raw(row.get("breakEvenPrice", "0"), "breakEvenPrice")
    return Price(raw) if raw > 0 else None


def _adl(body: Any) -> dict[PositionKey, int]:
    quantiles: dict[PositionKey, int] = {}
    for index, entry in enumerate(fields.sequence(body, "adlQuantile")):
        where = f"adlQuantile[{index}]"
        symbol = fields.text(fields.mapping(entry, where), "symbol", where)
        shape = fields.mapping(fields.required(entry, "adlQuantile", where), where)
        for side in PositionSide:
            if side.value in shape:
                quantiles[symbol, side] = fields.integer(shape, side.value, where)
    return quantiles


def _premium(body: Any, held: set[str]) -> tuple[dict[str, Funding], dict[str, Price]]:
    """Return the funding and mark of each held symbol."""
    rows = [body] if isinstance(body, Mapping) else fields.sequence(body, "premiumIndex")
    funding, marks = {}, {}
    for index, entry in enumerate(rows):
        where = f"premiumIndex[{index}]"
        symbol = fields.text(fields.mapping(entry, where), "symbol", where)
        if symbol not in held:
            continue
        rate = entry.get("lastFundingRate")
        funding[symbol] = Funding(
            Rate(fields.decimal_raw(rate, f"{where}.lastFundingRate"))
            if rate not in (None, "")
            else None,
            fields.integer(entry, "nextFundingTime", where),
        )
        marks[symbol] = fields.price(entry, "markPrice", where)
    return funding, marks
