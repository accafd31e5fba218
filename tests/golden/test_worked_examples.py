"""Binance's own worked examples (binance-mechanics §11.1, §11.3), through `liquidator risk`.

Binance withholds the final prices. Each expected price is recomputed here independently, in
Decimal, from the FAQ's closed form ``LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR −
side·Q)`` (COIN-M: ``LP = N·CS·(MMR + side) / (WB + cum + side·N·CS/EP)``), not with the library.
"""

from __future__ import annotations

import json
from decimal import Decimal, getcontext
from pathlib import Path
from typing import Any

import pytest

from tests.builders import position_row, run_json, write_account
from tests.conftest import GOLDEN

getcontext().prec = 50
FAQ_ACCOUNT = GOLDEN / "faq_cross_account.json"
FAQ_BRACKETS = GOLDEN / "leverage_brackets_faq_2021.json"
ONE_UNIT = Decimal("0.00000001")


def closed_form(
    wallet: Decimal,
    others_mm: Decimal,
    others_pnl: Decimal,
    q: Decimal,
    entry: Decimal,
    mmr: Decimal,
    cum: Decimal,
) -> Decimal:
    side = 1 if q > 0 else -1
    size = abs(q)
    return (wallet - others_mm + others_pnl + cum - side * size * entry) / (
        size * mmr - side * size
    )


@pytest.fixture
def faq_report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run_json(capsys, "risk", str(FAQ_ACCOUNT), "--brackets", str(FAQ_BRACKETS))


def by_symbol(report: dict[str, Any], symbol: str) -> dict[str, Any]:
    return next(p for p in report["positions"] if p["symbol"] == symbol)


def test_faq_cross_example_reproduces_binance_maintenance_margins(
    faq_report: dict[str, Any],
) -> None:
    btc, eth = by_symbol(faq_report, "BTCUSDT"), by_symbol(faq_report, "ETHUSDT")

    # FAQ: "Maintenance Margin of BTCUSDT = 71200.81144 (3500032.458 × 2.50% − 16300)"
    assert Decimal(btc["notional"]).quantize(Decimal("0.001")) == Decimal("3500032.458")
    assert Decimal(btc["maintMargin"]).quantize(Decimal("0.00001")) == Decimal("71200.81144")
    # FAQ: "of ETHUSDT = 356,512.508 (4918775.081 × 10.00% − 135365)"
    assert Decimal(eth["notional"]).quantize(Decimal("0.001")) == Decimal("4918775.081")
    assert Decimal(eth["maintMargin"]).quantize(Decimal("0.001")) == Decimal("356512.508")
    assert (btc["maintMarginRatio"], eth["maintMarginRatio"]) == ("0.02500000", "0.10000000")


def test_faq_cross_example_account_margin_ratio_is_41_49_percent(
    faq_report: dict[str, Any],
) -> None:
    assert Decimal(faq_report["maintMargin"]).quantize(Decimal("0.01")) == Decimal("427713.32")
    assert Decimal(faq_report["marginBalance"]).quantize(Decimal("0.01")) == Decimal("1030895.56")
    assert Decimal(faq_report["marginRatio"]).quantize(Decimal("0.0001")) == Decimal("0.4149")
    assert faq_report["liquidatable"] is False


@pytest.mark.parametrize(("symbol", "other"), [("BTCUSDT", "ETHUSDT"), ("ETHUSDT", "BTCUSDT")])
def test_faq_cross_liquidation_price_freezes_the_other_symbol(
    faq_report: dict[str, Any], symbol: str, other: str
) -> None:
    mine, theirs = by_symbol(faq_report, symbol), by_symbol(faq_report, other)

    expected = closed_form(
        Decimal(faq_report["crossWalletBalance"]),
        Decimal(theirs["maintMargin"]),
        Decimal(theirs["unRealizedProfit"]),
        Decimal(mine["positionAmt"]),
        Decimal(mine["entryPrice"]),
        Decimal(mine["maintMarginRatio"]),
        _cum(mine["bracket"], symbol),
    )

    assert abs(Decimal(mine["liquidationPrice"]) - expected) <= ONE_UNIT
    assert mine["liquidationBracket"] == [mine["bracket"]]


def test_faq_cross_prices_agree_with_freqtrade_inputs_to_the_cent(
    faq_report: dict[str, Any],
) -> None:
    """freqtrade feeds the FAQ's printed (rounded) TMM1/UPNL1 and asserts to 2 decimals."""
    wallet = Decimal("1535443.01")
    btc = closed_form(
        wallet,
        Decimal("356512.508"),
        Decimal("-448192.89"),
        Decimal("109.488"),
        Decimal("32481.98"),
        Decimal("0.025"),
        Decimal("16300"),
    )
    eth = closed_form(
        wallet,
        Decimal("71200.81144"),
        Decimal("-56354.57"),
        Decimal("3683.979"),
        Decimal("1456.84"),
        Decimal("0.1"),
        Decimal("135365"),
    )

    assert _cents(by_symbol(faq_report, "BTCUSDT")["liquidationPrice"]) == btc.quantize(
        Decimal("0.01")
    )
    assert _cents(by_symbol(faq_report, "ETHUSDT")["liquidationPrice"]) == eth.quantize(
        Decimal("0.01")
    )


@pytest.mark.parametrize(
    ("symbol", "amount", "entry", "mark", "leverage", "mmr", "cum"),
    [
        ("BTCUSDT", "109.488", "32481.98", "31967.27", "20", "0.025", "16300"),
        ("ETHUSDT", "3683.979", "1456.84", "1335.18", "4", "0.1", "135365"),
    ],
)
def test_faq_isolated_rows_use_the_wallet_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    symbol: str,
    amount: str,
    entry: str,
    mark: str,
    leverage: str,
    mmr: str,
    cum: str,
) -> None:
    wallet = "1535443.01"
    account = write_account(
        tmp_path, [position_row(symbol, amount, entry, mark, "isolated", wallet, leverage)]
    )

    report = run_json(capsys, "risk", str(account), "--brackets", str(FAQ_BRACKETS))

    expected = closed_form(
        Decimal(wallet),
        Decimal(0),
        Decimal(0),
        Decimal(amount),
        Decimal(entry),
        Decimal(mmr),
        Decimal(cum),
    )
    assert abs(Decimal(report["positions"][0]["liquidationPrice"]) - expected) <= ONE_UNIT


def test_coinm_calculator_case_c1(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "risk", str(GOLDEN / "coinm_c1_account.json"))

    position = report["positions"][0]
    n, cs, entry = Decimal(100000), Decimal(100), Decimal(45000)
    expected = n * cs * (Decimal("0.125") + 1) / (Decimal(101) + Decimal("11.605") + n * cs / entry)
    assert position["marginAsset"] == "BTC"
    assert position["maintMarginRatio"] == "0.12500000"
    assert abs(Decimal(position["liquidationPrice"]) - expected) <= ONE_UNIT
    assert Decimal(position["liquidationPrice"]).quantize(Decimal("0.1")) == Decimal("33599.4")
    notional_at_liquidation = n * cs / Decimal(position["liquidationPrice"])
    assert Decimal(200) <= notional_at_liquidation < Decimal(400)  # still the 12.5% bracket


def _cum(bracket: int, symbol: str) -> Decimal:
    tables = json.loads(FAQ_BRACKETS.read_text())
    table = next(t for t in tables if t["symbol"] == symbol)
    return Decimal(str(next(b for b in table["brackets"] if b["bracket"] == bracket)["cum"]))


def _cents(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


def test_binance_position_risk_doc_example_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    """GET /fapi/v3/positionRisk doc example: ADAUSDT 30 @ 0.385, mark 0.41047590, cross.

    Binance prints unRealizedProfit 0.76427700, notional 12.31427700, maintMargin 0.08004280 and
    initialMargin 0.61571385 (20x, bracket 1: 0.65%).
    """
    info = shared / "data/binance-usdm/cryptofeed_binance_futures_exchangeInfo_20210721.json"
    brackets = tmp_path / "ada.json"
    brackets.write_text(
        json.dumps(
            {
                "symbol": "ADAUSDT",
                "brackets": [
                    {
                        "bracket": 1,
                        "initialLeverage": 75,
                        "notionalCap": 10000,
                        "notionalFloor": 0,
                        "maintMarginRatio": "0.0065",
                        "cum": "0",
                    }
                ],
            }
        )
    )
    account = write_account(
        tmp_path,
        [position_row("ADAUSDT", "30", "0.385", "0.41047590", "cross", None, "20")],
        cross_wallet="100",
    )

    report = run_json(
        capsys, "risk", str(account), "--exchange-info", str(info), "--brackets", str(brackets)
    )

    position = report["positions"][0]
    assert position["unRealizedProfit"] == "0.76427700"
    assert position["notional"] == "12.31427700"
    # exact 0.0800428005: Binance prints it cut to 8 places; our requirements round up.
    assert position["maintMargin"] == "0.08004281"
    assert Decimal(position["maintMargin"]) - Decimal("0.08004280") == ONE_UNIT
    assert position["initialMargin"] == "0.61571385"
    assert position["liquidationPrice"] == "0"  # 100 USDT covers 30 ADA: "--" on Binance
