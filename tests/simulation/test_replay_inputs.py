"""replay refuses a Binance file of another symbol than --symbol, in one line (exit status 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liquidator.cli.replay import add_commands, run
from tests.conftest import SHARED
from tests.simulation.test_sweep_cli import parse

CRASH = SHARED / "data" / "binance-crash"
KLINES = CRASH / "BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--symbol", "ETHUSDT"], "prices BTCUSDT, not ETHUSDT (give --symbol BTCUSDT)"),
        (
            ["--funding", str(CRASH / "ETHUSDT-fundingRate-2021-05.csv")],
            "ETHUSDT-fundingRate-2021-05.csv is ETHUSDT's funding, not BTCUSDT's",
        ),
    ],
    ids=["klines", "funding"],
)
def test_a_file_of_another_symbol_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str], message: str
) -> None:
    args = parse(add_commands, "replay", str(KLINES), "--report", str(tmp_path / "r.html"), *extra)

    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "r.html").exists()
