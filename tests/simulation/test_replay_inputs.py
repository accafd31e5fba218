"""replay's inputs: real files of every kind as sources, bad ones refused in one line (exit 2).

Price sources: klines, trades/aggTrades and websocket captures (second resolution), mark and
index from markPriceKlines/indexPriceKlines files, several symbols replayed together with each
insurance fund shown apart. Refused: a file of another symbol than ``--symbol``, a file of the
wrong kind, two files of one symbol, companions of no replayed symbol or of another time.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from liquidator.adapters.marketdata.capture import MarkPrice, Trade, read_capture
from liquidator.bootstrap import bundled_market
from liquidator.cli.replay import add_commands, run
from liquidator.core.money.fixed import SCALE
from liquidator.simulation.feeds import trade_ticks
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig
from liquidator.simulation.replay_sources import add_companions, read_feed
from liquidator.simulation.sweep.grid import RunSpec
from liquidator.simulation.sweep.run import execute, replay_config
from liquidator.simulation.sweep.sources import window
from tests.conftest import SHARED
from tests.simulation.test_sweep_cli import parse

CRASH = SHARED / "data" / "binance-crash"
USDM = SHARED / "data" / "binance-usdm"
WINDOW = "1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"
KLINES = CRASH / f"BTCUSDT-{WINDOW}"
CAPTURE = USDM / "hftbacktest_usdm_btcusdt_20230405.dat.gz"


def first_minutes(tmp_path: Path, symbol: str, minutes: int, shift: int = 0) -> Path:
    """Write the window's first ``minutes`` of ``symbol`` (prices + ``shift`` USDT)."""
    rows = (CRASH / f"{symbol}-{WINDOW}").read_text(encoding="utf-8").splitlines()[:minutes]
    if shift:
        rows = [_shifted(row, shift) for row in rows]
    path = tmp_path / f"{symbol}-1m-2021-05.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _shifted(row: str, shift: int) -> str:
    fields = row.split(",")
    for column in range(1, 5):
        fields[column] = f"{float(fields[column]) + shift:.2f}"
    return ",".join(fields)


def replay_cli(tmp_path: Path, *argv: str) -> int:
    return run(parse(add_commands, "replay", *argv, "--report", str(tmp_path / "r.html")))


@pytest.mark.parametrize(
    ("files", "extra", "message"),
    [
        ([KLINES], ["--symbol", "ETHUSDT"], "prices BTCUSDT, not ETHUSDT (give --symbol BTCUSDT)"),
        ([CAPTURE], ["--symbol", "ETHUSDT"], "prices BTCUSDT, not ETHUSDT (give --symbol BTCUSDT)"),
        (
            [KLINES],
            ["--funding", str(CRASH / "ETHUSDT-fundingRate-2021-05.csv")],
            "ETHUSDT-fundingRate-2021-05.csv is ETHUSDT's funding, not BTCUSDT's",
        ),
        ([CRASH / "BTCUSDT-fundingRate-2021-05.csv"], [], "is a fundingRate file, not klines"),
        ([CRASH / "README.md"], [], "is not a Binance market-data file"),
        ([KLINES], ["--funding", str(KLINES)], "is a klines file, not fundingRate (--funding)"),
        (
            [KLINES],
            ["--mark", str(CRASH / "BTCUSDT-1m-2022-11_cut_20221108T1554Z-20221108T2235Z.csv")],
            "covers another time than BTCUSDT's prices",
        ),
        ([KLINES, KLINES], [], "both price BTCUSDT: give one price file per symbol"),
    ],
    ids=[
        "klines-symbol",
        "capture-symbol",
        "funding-symbol",
        "funding-as-prices",
        "not-market-data",
        "klines-as-funding",
        "mark-of-another-day",
        "one-symbol-twice",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    files: list[Path],
    extra: list[str],
    message: str,
) -> None:
    code = replay_cli(tmp_path, *map(str, files), *extra)

    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_a_capture_replays_at_second_resolution_with_its_own_mark_and_index() -> None:
    feed = read_feed([CAPTURE], None)
    marks = [m for m in read_capture(CAPTURE) if isinstance(m, MarkPrice)]
    replay = Replay(bundled_market(), ReplayConfig(population=PopulationConfig(count=50, seed=3)))

    result = replay.run(
        feed.ticks, feed.symbols, feed.funding, marks=feed.marks, indexes=feed.indexes
    )

    assert feed.symbols == ["BTCUSDT"]
    seconds = {ms // 1_000 for ms, _, _ in feed.ticks}
    assert len(seconds) > 400  # the trades of ~7 minutes, second by second
    assert all(ms % 250 == 0 for ms, _, _ in feed.ticks)
    fed_marks = {mark for _, mark, _, _ in result.prices["BTCUSDT"]}
    assert fed_marks <= {m.mark for m in marks} | {0}
    assert result.opened == 50
    assert all(total == 0 for total in replay.engine.venue.ledger.totals().values())


def test_insurance_and_adl_prints_are_not_market_prices() -> None:
    trades = [t for t in read_capture(CAPTURE) if isinstance(t, Trade)]
    fund_print = next(t for t in trades if t.kind == "INSURANCE_FUND")

    ticks = trade_ticks(trades)

    assert fund_print.price not in {price for _, _, price in ticks}


def test_a_trades_file_replays_second_by_second(tmp_path: Path) -> None:
    trades = [t for t in read_capture(CAPTURE) if isinstance(t, Trade) and t.kind == "MARKET"]
    path = tmp_path / "BTCUSDT-trades-2023-04-05.csv"
    rows = ["id,price,qty,quote_qty,time,is_buyer_maker"]
    rows += [
        f"{t.trade_id},{t.price / SCALE:.2f},{t.quantity / SCALE:.3f},0,{t.ts_ms},"
        f"{str(t.buyer_is_maker).lower()}"
        for t in trades
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    feed = read_feed([path], None)

    assert feed.ticks == trade_ticks(trades)
    assert feed.marks == []


def test_mark_and_index_files_replace_the_path_price(tmp_path: Path) -> None:
    prices = first_minutes(tmp_path, "BTCUSDT", 30)
    mark_dir, index_dir = tmp_path / "mark", tmp_path / "index"
    mark_dir.mkdir()
    index_dir.mkdir()
    mark = first_minutes(mark_dir, "BTCUSDT", 30, shift=7)
    index = first_minutes(index_dir, "BTCUSDT", 30, shift=-3)
    feed = read_feed([prices], None)
    add_companions(feed, [mark], [index], [])
    replay = Replay(bundled_market(), ReplayConfig(population=PopulationConfig(count=20)))

    result = replay.run(feed.ticks, feed.symbols, marks=feed.marks, indexes=feed.indexes)

    path = {price for _, _, price in feed.ticks}
    marks = {m for _, m, _, _ in result.prices["BTCUSDT"] if m}
    indexes = {i for _, _, i, _ in result.prices["BTCUSDT"] if i}
    assert marks <= {p + 7 * SCALE for p in path}
    assert indexes <= {p - 3 * SCALE for p in path}


def test_btc_and_eth_replay_together_with_each_fund_apart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    btc = first_minutes(tmp_path, "BTCUSDT", 200)
    eth = first_minutes(tmp_path, "ETHUSDT", 200)
    args = parse(
        add_commands,
        "replay",
        str(btc),
        str(eth),
        "--funding",
        str(CRASH / "BTCUSDT-fundingRate-2021-05.csv"),
        "--funding",
        str(CRASH / "ETHUSDT-fundingRate-2021-05.csv"),
        "--traders",
        "400",
        "--fund",
        "20000",
        "--json",
        "--report",
        str(tmp_path / "r.html"),
        "--events",
        str(tmp_path / "events.csv"),
    )

    assert run(args) == 0
    summary = json.loads(capsys.readouterr().out)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    events = (tmp_path / "events.csv").read_text(encoding="utf-8")

    assert set(summary["fund_low_water"]) == set(summary["fund_end"]) == {"BTCUSDT", "ETHUSDT"}
    assert summary["fund_end"]["BTCUSDT"] != summary["fund_end"]["ETHUSDT"]
    assert "fund BTCUSDT" in page
    assert "fund ETHUSDT" in page
    assert "all funds" not in page
    assert ",BTCUSDT," in events
    assert ",ETHUSDT," in events


def test_a_capture_replays_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    small = tmp_path / "capture.gz"
    with gzip.open(CAPTURE, "rt", encoding="utf-8") as source:
        lines = [line for _, line in zip(range(8_000), source, strict=False)]
    with gzip.open(small, "wt", encoding="utf-8") as target:
        target.writelines(lines)
    args = parse(
        add_commands,
        "replay",
        str(small),
        "--traders",
        "30",
        "--json",
        "--report",
        str(tmp_path / "r.html"),
    )

    assert run(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["opened"] == 30
    assert summary["ticks"] > 50  # a mark and an index a second


def test_the_runs_row_sums_every_fund_while_the_summary_shows_each() -> None:
    spec = RunSpec(
        "window", "2021-05-19", "BTCUSDT", 0.0, 5, "binance", 1_000, 7, 0, 100, 0.6, 0.5, 0.2, 0,
        5_000, 5_000_000,
    )  # fmt: skip
    source = window(CRASH, "2021-05-19", minutes=5)

    outcome = execute(spec, source)
    replay = Replay(bundled_market(), replay_config(spec))
    summary = replay.run(iter(source.ticks), ["BTCUSDT"]).summary()

    ledger = replay.engine.venue.ledger
    every_fund = sum(ledger.balance(name, "USDT") for name in replay.fund_names)
    assert outcome.row["fund_end"] == every_fund > 1_000 * SCALE  # not BTCUSDT's fund alone
    assert summary["fund_end"] == {"BTCUSDT": "1000.00"}
