"""The liquidation-price vectors of ../shared/vectors, through the API and `liquidator risk`."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from liquidator.core.contracts.brackets import Bracket, BracketTable
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty, Rate, Rounding
from tests.builders import position_row, run_json, write_account
from tests.conftest import GOLDEN

ROWS = list(
    csv.DictReader(
        line
        for line in (GOLDEN / "usdm_liquidation_price.csv").read_text().splitlines()
        if not line.startswith("#")
    )
)
ONE_UNIT = Fraction(1, 10**8)
FREQTRADE = [r for r in ROWS if r["source"] == "freqtrade"]
DERIVED = [r for r in ROWS if r["source"] != "freqtrade"]


def freqtrade_table() -> BracketTable:
    """Brackets whose tier at every F-vector's liquidation notional (>= 2) has mmr 1%, cum 0.01.

    cum 0.01 = 2 × (0.01 − 0.005) + 0: the recurrence holds, unlike a lone bracket with cum > 0.
    """

    def bracket(number: int, floor: str, cap: str, rate: str, cum: str) -> Bracket:
        return Bracket(
            number,
            125,
            Amount.of(floor, "USDT"),
            Amount.of(cap, "USDT"),
            Rate.of(rate),
            Amount.of(cum, "USDT"),
        )

    return BracketTable(
        "BTCUSDT",
        (bracket(1, "0", "2", "0.005", "0"), bracket(2, "2", "1000000000", "0.01", "0.01")),
    )


def freqtrade_wallet(row: dict[str, str]) -> Fraction:
    """freqtrade's wallet is quantity × entry / leverage; the CSV prints it as a binary float."""
    wallet = Fraction(Decimal(row["wallet_balance"]))
    for leverage in (3, 5):
        exact = Fraction(Decimal(row["quantity"])) * Fraction(row["entry_price"]) / leverage
        if abs(exact - wallet) < Fraction(1, 10**12):
            return exact
    return wallet


def signed(row: dict[str, str]) -> str:
    return row["quantity"] if row["side"] == "LONG" else f"-{row['quantity']}"


def assert_relative(actual: str | Price | None, expected: str, tolerance: Fraction) -> None:
    """Compare to ``tolerance`` relative, plus the one 1e-8 unit of the stated directional rounding.

    freqtrade's values are binary floats; ours are rounded once, to 8 places, toward safety.
    """
    assert actual is not None
    value = Fraction(Decimal(str(actual)))
    target = Fraction(Decimal(expected))
    assert abs(value - target) <= tolerance * target + ONE_UNIT, f"{actual} != {expected}"


@pytest.mark.parametrize("row", FREQTRADE, ids=[r["case"] for r in FREQTRADE])
def test_freqtrade_isolated_vector_through_the_api(market: Market, row: dict[str, str]) -> None:
    instrument = market.instruments["BTCUSDT"]
    wallet = Amount.from_fraction(freqtrade_wallet(row), "USDT", Rounding.HALF_EVEN)
    position = Position(
        instrument,
        PositionSide.BOTH,
        Qty.of(signed(row)),
        Price.of(row["entry_price"]),
        Price.of(row["entry_price"]),
        MarginType.ISOLATED,
        5,
        wallet,
    )

    risk = assess_account(Account(Amount.zero("USDT"), (position,)), {"BTCUSDT": freqtrade_table()})

    liquidation = risk.positions[0].liquidation
    assert_relative(liquidation.price, row["expected_liquidation_price"], Fraction(1, 10**9))
    assert liquidation.brackets[0].maintenance_margin_rate == Rate.of(row["mmr"])


@pytest.mark.parametrize("row", FREQTRADE, ids=[r["case"] for r in FREQTRADE])
def test_freqtrade_isolated_vector_through_liquidator_risk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: dict[str, str]
) -> None:
    brackets = tmp_path / "brackets.json"
    brackets.write_text(json.dumps(_table_json(freqtrade_table())))
    wallet = Amount.from_fraction(freqtrade_wallet(row), "USDT", Rounding.HALF_EVEN).fixed()
    account = write_account(
        tmp_path, [position_row(amount=signed(row), entry=row["entry_price"], wallet=wallet)]
    )

    report = run_json(capsys, "risk", str(account), "--brackets", str(brackets))

    position = report["positions"][0]
    assert_relative(
        position["liquidationPrice"], row["expected_liquidation_price"], Fraction(1, 10**9)
    )


@pytest.mark.parametrize("row", DERIVED, ids=[r["case"] for r in DERIVED])
def test_derived_isolated_vector_through_liquidator_risk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: dict[str, str]
) -> None:
    account = write_account(
        tmp_path,
        [
            position_row(
                amount=signed(row),
                entry=row["entry_price"],
                wallet=row["wallet_balance"],
                leverage="5",
            )
        ],
    )

    report = run_json(capsys, "risk", str(account))

    position = report["positions"][0]
    assert _at_4_places(position["liquidationPrice"]) == Decimal(row["expected_liquidation_price"])
    bracket = _bracket(report, position["liquidationBracket"][0])
    assert bracket == (Decimal(row["mmr"]), Decimal(row["cum"]))


def test_x3_uses_the_tier_at_the_liquidation_price_not_at_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = write_account(tmp_path, [position_row(amount="0.9", wallet="10800", leverage="5")])

    position = run_json(capsys, "risk", str(account))["positions"][0]

    assert position["bracket"] == 2  # 54,000 USDT at entry
    assert position["liquidationBracket"] == [1]  # 43,373 USDT at the liquidation price
    assert _at_4_places(position["liquidationPrice"]) == Decimal("48192.7711")
    assert _at_4_places(position["liquidationPrice"]) != Decimal("48185.3713")  # tier-2 pass


def test_x5_cross_hedge_long_and_short_share_one_liquidation_price(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vector = json.loads((GOLDEN / "usdm_cross_hedge.json").read_text())
    rows = [
        position_row(
            amount=p["quantity"] if p["position_side"] == "LONG" else f"-{p['quantity']}",
            entry=p["entry_price"],
            mark="60000",
            margin_type="cross",
            wallet=None,
            side=p["position_side"],
        )
        for p in vector["positions"]
    ]
    account = write_account(tmp_path, rows, cross_wallet=vector["wallet_balance"])

    report = run_json(capsys, "risk", str(account))

    prices = {p["liquidationPrice"] for p in report["positions"]}
    assert len(prices) == 1
    assert _at_4_places(prices.pop()) == Decimal(vector["expected_liquidation_price"])
    assert all(p["liquidationBracket"] == [1, 1] for p in report["positions"])


def _at_4_places(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.0001"))


def _bracket(report: dict[str, Any], number: int) -> tuple[Decimal, Decimal]:
    table = json.loads(
        (GOLDEN.parents[2] / "src/liquidator/data/leverage_brackets_usdm_2024-10.json").read_text()
    )
    entry = next(b for b in table[0]["brackets"] if b["bracket"] == number)
    return Decimal(str(entry["maintMarginRatio"])), Decimal(str(entry["cum"]))


def _table_json(table: BracketTable) -> list[dict[str, Any]]:
    return [
        {
            "symbol": table.symbol,
            "brackets": [
                {
                    "bracket": b.number,
                    "initialLeverage": b.initial_leverage,
                    "notionalFloor": str(b.floor.to_decimal()),
                    "notionalCap": str(b.cap.to_decimal()),
                    "maintMarginRatio": str(b.maintenance_margin_rate.to_decimal()),
                    "cum": str(b.maintenance_amount.to_decimal()),
                }
                for b in table.brackets
            ],
        }
    ]
