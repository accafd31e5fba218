"""The market a venue lists: contracts and brackets from bundled data and user files."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from liquidator.adapters.binance.exchange_info import parse_exchange_info
from liquidator.adapters.binance.fields import InputError, load_json
from liquidator.adapters.binance.leverage_brackets import AssetOf, parse_leverage_brackets
from liquidator.core.contracts.market import Market

#: Dated copies shipped with the package (see docs/formulas.md, "Bundled data").
BUNDLED_INSTRUMENTS = "instruments.json"
BUNDLED_BRACKETS = (
    "leverage_brackets_usdm_2024-10.json",
    "leverage_brackets_coinm_reconstructed.json",
)


def bundled_market() -> Market:
    """Return BTCUSDT, ETHUSDT and BTCUSD_PERP with the bundled bracket tables."""
    instruments = parse_exchange_info(_bundled(BUNDLED_INSTRUMENTS), BUNDLED_INSTRUMENTS)
    market = Market(instruments)
    for name in BUNDLED_BRACKETS:
        document = _bundled(name)
        if isinstance(document, dict) and "tables" in document:
            document = document["tables"]
        tables = parse_leverage_brackets(document, _asset_of(market), name)
        market = market.with_brackets(tables)
    return market


def build_market(exchange_info: Path | None = None, brackets: Path | None = None) -> Market:
    """Return the bundled market, with contracts and brackets from the given files on top."""
    market = bundled_market()
    try:
        if exchange_info is not None:
            document = load_json(exchange_info, "--exchange-info")
            market = market.with_instruments(parse_exchange_info(document, "--exchange-info"))
        if brackets is not None:
            document = load_json(brackets, "--brackets")
            market = market.with_brackets(
                parse_leverage_brackets(document, _asset_of(market), "--brackets")
            )
    except InputError:
        raise
    except ValueError as error:  # a contract and its brackets that disagree
        raise InputError(
            "--brackets" if brackets else "--exchange-info", None, str(error)
        ) from None
    return market


def _asset_of(market: Market) -> AssetOf:
    def margin_asset_of(symbol: str) -> str | None:
        instrument = market.instrument(symbol)
        return instrument.margin_asset if instrument else None

    return margin_asset_of


def _bundled(name: str) -> Any:
    text = resources.files("liquidator.data").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)
