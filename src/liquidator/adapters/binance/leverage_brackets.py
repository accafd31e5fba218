"""Bracket tables from Binance ``GET /fapi/v1/leverageBracket`` or ``GET /dapi/v2/leverageBracket``.

USD-M brackets have ``notionalFloor``/``notionalCap`` in the quote asset; COIN-M brackets have
``qtylFloor`` (Binance's spelling; ``qtyFloor`` is accepted too) and ``qtyCap`` in the coin. The
body is an array of ``{"symbol", "brackets"}`` objects, or one such object when the request named
a symbol. A missing ``cum`` is derived from the recurrence; a given one is checked against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from liquidator.adapters.binance import fields
from liquidator.adapters.binance.exchange_info import margin_asset_guess
from liquidator.adapters.binance.fields import InputError
from liquidator.core.contracts.brackets import (
    Bracket,
    BracketTable,
    BracketTableError,
    expected_maintenance_amount,
)
from liquidator.core.money.fixed import Amount, Rate

AssetOf = Callable[[str], str | None]


def parse_leverage_brackets(
    document: Any, margin_asset_of: AssetOf, name: str = "brackets"
) -> dict[str, BracketTable]:
    """Return the bracket tables of a leverageBracket body, keyed by symbol.

    ``margin_asset_of`` names the margin asset of a known symbol; for others it is guessed from
    the symbol's name, and a symbol whose asset cannot be told is left out.
    """
    entries = [document] if isinstance(document, Mapping) else fields.sequence(document, name)
    tables: dict[str, BracketTable] = {}
    for index, entry in enumerate(entries):
        where = f"{name}[{index}]"
        table = _table(fields.mapping(entry, where), where, margin_asset_of)
        if table is not None:
            tables[table.symbol] = table
    if not tables:
        raise InputError(name, None, "holds no bracket table for any known symbol")
    return tables


def _table(entry: Mapping[str, Any], where: str, margin_asset_of: AssetOf) -> BracketTable | None:
    if "symbol" not in entry and "pair" in entry:
        raise InputError(
            f"{where}.pair",
            entry["pair"],
            "is a pair-level table (/dapi/v1); use /dapi/v2/leverageBracket, which is per symbol",
        )
    symbol = fields.text(entry, "symbol", where)
    raw = fields.sequence(fields.required(entry, "brackets", where), f"{where}.brackets")
    if not raw:
        raise InputError(f"{where}.brackets", raw, "is empty")
    coin = isinstance(raw[0], Mapping) and "qtyCap" in raw[0]
    asset = margin_asset_of(symbol) or margin_asset_guess(symbol, coin)
    if asset is None:
        return None
    brackets: list[Bracket] = []
    for index, item in enumerate(raw):
        at = f"{where}.brackets[{index}]"
        brackets.append(_bracket(fields.mapping(item, at), at, asset, coin, brackets))
    try:
        return BracketTable(symbol, tuple(brackets))
    except BracketTableError as error:
        raise InputError(f"{where}.brackets", symbol, f"is inconsistent: {error}") from None


def _bracket(
    item: Mapping[str, Any], at: str, asset: str, coin: bool, previous: list[Bracket]
) -> Bracket:
    floor_key = ("qtylFloor" if "qtylFloor" in item else "qtyFloor") if coin else "notionalFloor"
    cap_key = "qtyCap" if coin else "notionalCap"
    floor = fields.amount(item, floor_key, at, asset)
    rate = fields.rate(item, "maintMarginRatio", at)
    if "cum" in item and item["cum"] is not None:
        cum = fields.amount(item, "cum", at, asset)
    elif previous:
        cum = _derived_cum(previous[-1], floor, rate, at)
    else:
        cum = Amount.zero(asset)
    return Bracket(
        number=fields.integer(item, "bracket", at),
        initial_leverage=fields.integer(item, "initialLeverage", at),
        floor=floor,
        cap=fields.amount(item, cap_key, at, asset),
        maintenance_margin_rate=rate,
        maintenance_amount=cum,
    )


def _derived_cum(previous: Bracket, floor: Amount, rate: Rate, at: str) -> Amount:
    value = expected_maintenance_amount(previous, floor, rate)
    scaled = value * 10**8
    if scaled.denominator != 1:
        raise InputError(f"{at}.cum", None, "is missing and its derived value needs >8 decimals")
    return Amount(int(scaled), floor.asset)
