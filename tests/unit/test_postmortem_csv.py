"""``postmortem --csv``: Binance's website exports, read offline, checked against the rules.

The fixtures are the isolated-long story of ``tests/e2e/test_postmortem.py`` as Binance's trade,
order and transaction history exports; the mark path comes from a mark-price kline file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from liquidator.postmortem.paging import rows_in_windows
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "binance_exports"
SCRIPT = Path(sys.executable).parent / "liquidator"
HOUR = 3_600_000
START = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def marks(path: Path, low: str) -> Path:
    """Write a mark-price kline CSV: flat at 60000 for an hour, then the crash minute."""
    rows = [
        f"{START + 60_000 * n},60000,60000,60000,60000,0,{START + 60_000 * n + 59_999}"
        for n in range(60)
    ]
    crash = START + HOUR
    rows.append(f"{crash},60000,60000,{low},{low},0,{crash + 59_999}")
    path.write_text("\n".join(rows) + "\n")
    return path


def exports(folder: Path) -> list[str]:
    names = ("trade_history.csv", "order_history.csv", "transaction_history.csv")
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return [str(folder / name) for name in names]


def postmortem(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "postmortem", *argv], capture_output=True, text=True, check=False
    )


def only(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    (liquidation,) = json.loads(result.stdout)["liquidations"]
    assert isinstance(liquidation, dict)
    return liquidation


def test_the_exports_tell_the_liquidation_to_the_unit(tmp_path: Path) -> None:
    files = exports(tmp_path)

    report = only(
        postmortem("--csv", *files, "--klines", str(marks(tmp_path / "m.csv", "52800")), "--json")
    )

    assert report["loss"]["total"] == "-3015.3015"
    assert report["loss"]["clearanceFee"] == "-54.55"
    assert report["executedPrice"] == "54114.5"
    assert report["walletSource"] == "10x isolated, rebuilt from the fills"
    assert report["liquidationPrice"] == "54222.28915665"
    assert report["consistent"] is True


def test_coinm_exports_tell_the_liquidation_in_btc_to_the_unit(tmp_path: Path) -> None:
    """The COIN-M story of ``tests/e2e/test_postmortem_coinm.py``: 100 BTCUSD_PERP contracts
    long at 60006, 10x isolated on 1 BTC, liquidated at 54714.5; quantities in contracts
    (``Quantity(Cont)``), amounts in BTC."""
    folder = FIXTURES / "coinm"
    files = [str(folder / name) for name in sorted(p.name for p in folder.glob("*.csv"))]

    report = json.loads(
        postmortem(
            "--csv", *files, "--market", "coinm", "--klines",
            str(marks(tmp_path / "m.csv", "52800")), "--json",
        ).stdout
    )  # fmt: skip

    (liquidation,) = report["liquidations"]
    assert report["asset"] == "BTC"
    assert liquidation["loss"] | {"toLiquidationPrice": "", "beyondLiquidationPrice": ""} == {
        "asset": "BTC", "total": "-0.01674834", "priceMove": "-0.01611691", "funding": "0",
        "commission": "-0.00008333", "clearanceFee": "-0.0005481", "insuranceCover": "0",
        "toLiquidationPrice": "", "beyondLiquidationPrice": "",
    }  # fmt: skip
    assert liquidation["positionAmt"] == "100"
    assert liquidation["entryPrice"] == "60006"
    assert liquidation["wallet"] == "0.01666501"  # ceil(10,000 / 60006 / 10) BTC
    assert liquidation["walletSource"] == "10x isolated, rebuilt from the fills"
    assert liquidation["bankruptcyPrice"] == "54550.9061647"  # 10,000 / (10,000/60006 + wallet)
    assert liquidation["orders"][0]["price"] == "54551"  # the bankruptcy price up to the tick
    assert Decimal("54769.11018173") <= Decimal(liquidation["liquidationPrice"]) < 54770
    assert liquidation["consistent"] is True


def test_an_order_off_the_bankruptcy_price_is_flagged_with_a_note_for_support(
    tmp_path: Path,
) -> None:
    files = exports(tmp_path)
    orders = tmp_path / "order_history.csv"
    orders.write_text(orders.read_text().replace("SELL,54005.4,", "SELL,54500,"))

    report = only(
        postmortem("--csv", *files, "--klines", str(marks(tmp_path / "m.csv", "52800")), "--json")
    )

    assert report["consistent"] is False
    first, *others = report["differences"]
    assert "matches no isolated margin" in first["rule"]
    assert first["binance"] == "54500"
    assert first["orderId"] == 1042
    # a limit at 54500 that filled at 54114.5 breaks a second rule, and the fee follows
    assert "filled worse than the bankruptcy price" in [d["rule"] for d in others]
    assert "order 1042 at 2024-01-01 01:00:01.000 UTC" in report["supportNote"]
    assert "54500" in report["supportNote"]


def test_a_liquidation_the_marks_never_called_for_is_flagged(tmp_path: Path) -> None:
    files = exports(tmp_path)

    report = only(
        postmortem("--csv", *files, "--klines", str(marks(tmp_path / "m.csv", "56000")), "--json")
    )

    assert report["consistent"] is False
    rules = [d["rule"] for d in report["differences"]]
    assert "the mark never reached the liquidation price before the liquidation" in rules


@pytest.mark.parametrize(
    ("header", "row", "words"),
    [
        (
            "Date(UTC),Symbol,Side,Price,Quantity,Amount,Fee,Realized Profit",
            "yesterday,BTCUSDT,BUY,60000,0.5,30003,15,0",
            "column 'Date(UTC)': 'yesterday'",
        ),
        (
            "Date(UTC),Symbol,Side,Price,Quantity,Amount,Fee,Realized Profit",
            "2024-01-01 00:00:01,BTCUSDT,HOLD,60000,0.5,30003,15,0",
            "side 'HOLD'",
        ),
        (
            "Date(UTC),Symbol,Side,Price,Quantity,Amount,Fee,Realized Profit",
            "2024-01-01 00:00:01,BTCUSDT,BUY,60000,0.000000001,30003,15,0",
            "more than 8 decimal",
        ),
        ("when,what", "1,2", "is not Binance's trade, order or transaction history"),
    ],
)
def test_a_malformed_export_is_one_line(tmp_path: Path, header: str, row: str, words: str) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(f"{header}\n{row}\n")

    result = postmortem("--csv", str(broken))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("liquidator: error: ")
    assert result.stderr.count("\n") == 1
    assert words in result.stderr


def test_a_full_page_is_halved_until_every_row_is_read() -> None:
    rows = [{"id": n, "time": 1_000 + n} for n in range(25)]
    asked: list[tuple[int, int]] = []

    def page(startTime: int, endTime: int, limit: int) -> list[dict[str, int]]:  # noqa: N803
        asked.append((startTime, endTime))
        return [r for r in rows if startTime <= r["time"] <= endTime][:limit]

    found = rows_in_windows(page, 0, 2_000, 10)

    assert sorted(r["id"] for r in found) == list(range(25))
    assert len(asked) > 3  # the first window came back full and was split
