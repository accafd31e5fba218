"""`liquidator risk` and `liquidator liq-price` as a trader runs them, good input and bad."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.builders import liq_price_argv, position_row, run_error, run_json, write_account
from tests.conftest import GOLDEN


def run_process(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``liquidator`` console script in a real process."""
    script = Path(sys.executable).parent / "liquidator"
    return subprocess.run([str(script), *argv], capture_output=True, text=True, check=False)


def test_risk_prints_a_table_per_position_and_the_account() -> None:
    result = run_process(
        "risk",
        str(GOLDEN / "faq_cross_account.json"),
        "--brackets",
        str(GOLDEN / "leverage_brackets_faq_2021.json"),
    )

    assert result.returncode == 0, result.stderr
    assert "BTCUSDT BOTH (LONG)" in result.stdout
    assert "ETHUSDT BOTH (LONG)" in result.stdout
    assert "26316.89326452" in result.stdout  # BTCUSDT liquidation price
    assert "Margin ratio" in result.stdout
    assert "41.49%" in result.stdout


def test_risk_json_uses_binance_field_names_and_decimal_strings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = write_account(tmp_path, [position_row(amount="-1", wallet="3000")])

    report = run_json(capsys, "risk", str(account))

    position = report["positions"][0]
    for name in (
        "liquidationPrice",
        "maintMargin",
        "notional",
        "unRealizedProfit",
        "bankruptcyPrice",
    ):
        assert isinstance(position[name], str)
    assert position["notional"] == "-60000.00000000"  # signed like Binance's for a short
    assert position["liquidationPrice"] == "62736.31840796"
    assert position["bankruptcyPrice"] == "63000.00000000"
    assert isinstance(report["marginRatio"], str)


def test_a_position_that_cannot_be_liquidated_shows_dashes_and_zero_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = write_account(tmp_path, [position_row(amount="1", wallet="70000", leverage="1")])

    report = run_json(capsys, "risk", str(account))
    table = run_process("risk", str(account))

    assert report["positions"][0]["liquidationPrice"] == "0"
    assert report["positions"][0]["liquidationDistance"] is None
    assert "Liquidation price" in table.stdout
    assert "--" in table.stdout


def test_liq_price_from_flags_defaults_the_wallet_to_the_opening_margin(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(capsys, *liq_price_argv())

    position = report["positions"][0]
    assert position["isolatedWallet"] == "3000.00000000"
    assert position["liquidationPrice"] == "57236.18090453"  # vector X1


def test_liq_price_cross_coinm_short(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(
        capsys,
        *liq_price_argv(
            symbol="BTCUSD_PERP",
            side="SHORT",
            quantity="100",
            entry="50000",
            leverage="10",
            margin_type="cross",
            wallet="0.05",
        ),
    )

    position = report["positions"][0]
    assert position["marginAsset"] == "BTC"
    assert position["positionAmt"] == "-100.00000000"
    assert Decimal(position["liquidationPrice"]) > Decimal("50000")


def test_liq_price_short_inverse_fully_collateralised_is_never_liquidated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 100 contracts × 100 USD at 50,000 = 0.2 BTC; a 0.2 BTC wallet hedges it completely.
    report = run_json(
        capsys,
        *liq_price_argv(
            symbol="BTCUSD_PERP",
            side="SHORT",
            quantity="100",
            entry="50000",
            leverage="1",
            wallet="0.2",
        ),
    )

    assert report["positions"][0]["liquidationPrice"] == "0"


BAD_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("missing field", {"entryPrice": None}, "positions[0].entryPrice: missing is required"),
    (
        "malformed number",
        {"positionAmt": "1,5"},
        'positions[0].positionAmt: "1,5" is not a decimal number',
    ),
    ("unknown symbol", {"symbol": "DOGEUSDT"}, 'positions[0].symbol: "DOGEUSDT" is unknown'),
    ("zero quantity", {"positionAmt": "0"}, 'positions[0].positionAmt: "0" is zero'),
    (
        "too precise quantity",
        {"positionAmt": "0.0015"},
        'positions[0].positionAmt: "0.0015" is not a multiple of the step size 0.001',
    ),
    (
        "too precise price",
        {"entryPrice": "60000.123456789"},
        'positions[0].entryPrice: "60000.123456789" has more than 8 decimal places',
    ),
    ("negative price", {"markPrice": "-1"}, 'positions[0].markPrice: "-1" must be positive'),
    (
        "leverage above bracket",
        {"leverage": "125"},
        'positions[0].leverage: "125" exceeds the maximum 100x of BTCUSDT bracket 2',
    ),
    (
        "bad margin type",
        {"marginType": "portfolio"},
        'positions[0].marginType: "portfolio" must be',
    ),
    (
        "bad side",
        {"positionSide": "UP"},
        'positions[0].positionSide: "UP" must be BOTH, LONG or SHORT',
    ),
    (
        "long with negative amount",
        {"positionSide": "LONG", "positionAmt": "-1"},
        'positions[0].positionAmt: "-1" must be positive for a LONG position',
    ),
    (
        "isolated without wallet",
        {"isolatedWallet": None},
        "positions[0].isolatedWallet: missing is required",
    ),
    (
        "number as JSON float",
        {"positionAmt": 0.0015},
        'positions[0].positionAmt: "0.0015" is not a multiple of the step size',
    ),
    ("boolean leverage", {"leverage": True}, "positions[0].leverage: true must be a whole number"),
    ("NaN", {"entryPrice": "NaN"}, 'positions[0].entryPrice: "NaN" is not a finite number'),
    ("huge", {"entryPrice": "1e999999"}, 'positions[0].entryPrice: "1e999999" is out of range'),
]


@pytest.mark.parametrize(
    ("change", "message"), [(c, m) for _, c, m in BAD_ROWS], ids=[name for name, _, _ in BAD_ROWS]
)
def test_bad_position_field_is_named_in_one_line_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], message: str
) -> None:
    row = position_row()
    for key, value in change.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    account = write_account(tmp_path, [row])

    line = run_error(capsys, "risk", str(account))

    assert line.startswith("liquidator: error: ")
    assert message in line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "FILE: "),
        ("[]", "must be a JSON object"),
        ('{"positions": []}', "crossWalletBalance: missing is required"),
        ('{"crossWalletBalance": "1", "positions": {}}', "positions: {} must be a JSON array"),
        (
            '{"crossWalletBalance": "-5", "positions": []}',
            'crossWalletBalance: "-5" must not be negative',
        ),
        ('{"crossWalletBalance": "1", "positions": [1]}', "positions[0]: 1 must be a JSON object"),
    ],
)
def test_malformed_account_documents_are_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "account.json"
    path.write_text(content)

    line = run_error(capsys, "risk", str(path))

    assert message in line


def test_cross_positions_in_two_margin_assets_cannot_share_one_wallet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        position_row(margin_type="cross", wallet=None),
        position_row("BTCUSD_PERP", "10", "60000", margin_type="cross", wallet=None, leverage="10"),
    ]
    account = write_account(tmp_path, rows, cross_wallet="1000")

    line = run_error(capsys, "risk", str(account))

    assert "crossWalletBalance" in line
    assert "BTC" in line
    assert "USDT" in line


def test_missing_file_and_bad_brackets_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = write_account(tmp_path, [position_row()])
    brackets = tmp_path / "brackets.json"
    brackets.write_text(
        json.dumps(
            [
                {
                    "symbol": "BTCUSDT",
                    "brackets": [
                        {
                            "bracket": 1,
                            "initialLeverage": 125,
                            "notionalCap": 50000,
                            "notionalFloor": 0,
                            "maintMarginRatio": 0.004,
                            "cum": 0,
                        },
                        {
                            "bracket": 2,
                            "initialLeverage": 100,
                            "notionalCap": 600000,
                            "notionalFloor": 50000,
                            "maintMarginRatio": 0.005,
                            "cum": 49,
                        },
                    ],
                }
            ]
        )
    )

    missing = run_error(capsys, "risk", str(tmp_path / "nope.json"))
    inconsistent = run_error(capsys, "risk", str(account), "--brackets", str(brackets))

    assert "FILE: " in missing
    assert "does not exist" in missing
    assert "--brackets[0].brackets" in inconsistent
    assert "breaks the recurrence" in inconsistent
    assert "= 50" in inconsistent


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--quantity", "0"], '--quantity: "0" must be positive'),
        (["--quantity", "-1"], '--quantity: "-1" must be positive'),
        (["--quantity", "0.0001"], '--quantity: "0.0001" is not a multiple of the step size'),
        (["--leverage", "126"], '--leverage: "126" exceeds the maximum'),
        (["--entry", "abc"], '--entry: "abc" is not a decimal number'),
        (["--symbol", "XYZ"], '--symbol: "XYZ" is unknown'),
        (["--margin-type", "cross"], "--wallet: missing is required with --margin-type cross"),
        (["--side", "UP"], "argument --side: invalid choice"),
    ],
)
def test_liq_price_bad_flags(
    capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    changes = {
        flag.removeprefix("--"): value for flag, value in zip(flags[::2], flags[1::2], strict=True)
    }
    argv = liq_price_argv(**{name.replace("-", "_"): value for name, value in changes.items()})

    line = run_error(capsys, *argv)

    assert message in line


def test_bad_input_in_a_real_process_gives_one_line_and_no_traceback(tmp_path: Path) -> None:
    account = write_account(tmp_path, [position_row(amount="0")])

    result = run_process("risk", str(account))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_exchange_info_adds_contracts_that_then_need_their_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    info = shared / "data/binance-usdm/cryptofeed_binance_futures_exchangeInfo_20210721.json"
    btc = write_account(
        tmp_path, [position_row(amount="0.001", entry="30000.01", wallet="10")], name="btc.json"
    )
    xrp = write_account(
        tmp_path, [position_row("XRPUSDT", "10", "0.6", wallet="1", leverage="10")], name="xrp.json"
    )

    report = run_json(capsys, "risk", str(btc), "--exchange-info", str(info))
    line = run_error(capsys, "risk", str(xrp), "--exchange-info", str(info))

    assert report["positions"][0]["entryPrice"] == "30000.01000000"
    assert 'positions[0].symbol: "XRPUSDT" is unknown (no leverage brackets' in line


def test_liq_price_with_a_wallet_alone_infers_the_leverage_that_posts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(capsys, *liq_price_argv(side="SHORT", leverage=None, wallet="3000"))

    position = report["positions"][0]
    assert position["leverage"] == "20"  # 60,000 / 3,000
    assert position["liquidationPrice"] == "62736.31840796"  # vector X2


def test_liq_price_quantity_that_is_not_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    line = run_error(capsys, *liq_price_argv(quantity="abc"))

    assert '--quantity: "abc" is not a decimal number' in line
