"""Contract specs and brackets from real Binance responses."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from liquidator.adapters.binance.exchange_info import parse_exchange_info
from liquidator.adapters.binance.fields import InputError
from liquidator.adapters.binance.leverage_brackets import parse_leverage_brackets
from liquidator.core.contracts.instrument import ContractKind
from liquidator.core.contracts.market import Market
from liquidator.core.money.fixed import Amount, Price, Qty, Rate


def load(path: Path) -> object:
    return json.loads(path.read_text(), parse_float=Decimal)


def test_real_2021_exchange_info_loads_every_symbol(shared: Path) -> None:
    document = load(
        shared / "data/binance-usdm/cryptofeed_binance_futures_exchangeInfo_20210721.json"
    )

    instruments = parse_exchange_info(document)

    assert len(instruments) == 122
    btc = instruments["BTCUSDT"]
    assert btc.kind is ContractKind.LINEAR
    assert (btc.tick_size, btc.step_size, btc.min_qty) == (
        Price.of("0.01"),
        Qty.of("0.001"),
        Qty.of("0.001"),
    )
    assert btc.min_notional == Amount.of("5", "USDT")
    assert btc.liquidation_fee_rate == Rate.of("0.012")
    assert {i.margin_asset for i in instruments.values()} == {"USDT", "BUSD"}


def test_bundled_contracts_include_an_inverse_perpetual(market: Market) -> None:
    btcusd = market.instruments["BTCUSD_PERP"]

    assert btcusd.kind is ContractKind.INVERSE
    assert (btcusd.contract_size, btcusd.margin_asset, btcusd.step_size) == (
        100,
        "BTC",
        Qty.of("1"),
    )
    assert btcusd.liquidation_fee_rate == Rate.of("0.015")
    assert market.instruments["BTCUSDT"].tick_size == Price.of("0.1")


def test_leverage_bracket_response_for_one_symbol_is_an_object(market: Market) -> None:
    document = {
        "symbol": "BTCUSDT",
        "notionalCoef": Decimal("1.5"),
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 75,
                "notionalCap": 10000,
                "notionalFloor": 0,
                "maintMarginRatio": Decimal("0.0065"),
                "cum": Decimal("0.0"),
            }
        ],
    }

    tables = parse_leverage_brackets(document, lambda s: "USDT")

    assert tables["BTCUSDT"].max_leverage == 75


def test_coinm_brackets_accept_binance_spelling_and_derive_a_missing_cum() -> None:
    document = [
        {
            "symbol": "ETHUSD_PERP",
            "brackets": [
                {
                    "bracket": 1,
                    "initialLeverage": 75,
                    "qtyCap": 100,
                    "qtylFloor": 0,
                    "maintMarginRatio": Decimal("0.005"),
                },
                {
                    "bracket": 2,
                    "initialLeverage": 50,
                    "qtyCap": 500,
                    "qtyFloor": 100,
                    "maintMarginRatio": Decimal("0.01"),
                },
            ],
        }
    ]

    table = parse_leverage_brackets(document, lambda s: None)["ETHUSD_PERP"]

    assert table.margin_asset == "ETH"
    assert table.brackets[1].maintenance_amount == Amount.of("0.5", "ETH")


def test_pair_level_coinm_brackets_are_refused_with_the_endpoint_to_use() -> None:
    document = [{"pair": "BTCUSD", "brackets": []}]

    with pytest.raises(InputError, match="/dapi/v2/leverageBracket"):
        parse_leverage_brackets(document, lambda s: None)


def test_exchange_info_without_a_lot_size_filter_is_rejected() -> None:
    document = {
        "symbols": [
            {
                "symbol": "X",
                "baseAsset": "X",
                "quoteAsset": "USDT",
                "marginAsset": "USDT",
                "liquidationFee": "0.01",
                "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.1"}],
            }
        ]
    }

    with pytest.raises(
        InputError, match=r"exchangeInfo.symbols\[0\].filters: missing has no LOT_SIZE"
    ):
        parse_exchange_info(document)
