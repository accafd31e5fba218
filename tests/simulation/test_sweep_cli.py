"""``liquidator sweep`` on bad input: one line on stderr and exit status 2, nothing started."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from liquidator.cli.sweep import add_commands, run
from tests.conftest import SHARED

DATA = SHARED / "data" / "binance-crash"


def parse(register: Callable[[Any], None], *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def grid_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(f'data = "{DATA}"\n{text}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("windows = [2021-05-19", "not valid TOML"),
        ('windows = ["2021-05-19"]\nprofiles = ["okx"]', "unknown venue profile 'okx'"),
        ('windows = ["2019-01-01"]', "no BTCUSDT window '2019-01-01'"),
        ('windows = ["2021-05-19"]\n[population]\ntraders = -1', "population.traders"),
        ('windows = ["2021-05-19"]\nfleets = 3', "unknown grid keys: fleets"),
        ('[[scenarios]]\nname = "meteor"', "unknown scenario 'meteor'"),
        ("seeds = [7]", "no windows and no scenarios"),
    ],
    ids=["toml", "profile", "window", "population", "key", "scenario", "empty"],
)
def test_a_bad_grid_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    args = parse(add_commands, "sweep", str(grid_file(tmp_path, text)), "--out", str(tmp_path))

    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_a_bad_scheduler_address_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    grid = grid_file(tmp_path, 'windows = ["2021-05-19"]\nminutes = 5\n[population]\ntraders = 2')
    args = parse(add_commands, "sweep", str(grid), "--out", str(tmp_path / "out"))
    args.scheduler = "bogus://nowhere:8786"

    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("liquidator: error: bogus://nowhere:8786: ")
