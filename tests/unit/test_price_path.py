"""Kline files and the intra-minute path of a price, without look-ahead."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from liquidator.adapters.marketdata.klines import KlineFileError, read_klines
from liquidator.adapters.marketdata.trades_file import read_trades
from liquidator.core.money.fixed import parse_raw
from liquidator.core.pricing.kline_path import kline_path
from tests.conftest import SHARED

CRASH = "binance-crash/BTCUSDT-1m-2021-05_cut_20210519T1003Z-20210519T1647Z.csv"


def raw(text: str) -> int:
    return parse_raw(text)


def test_a_falling_bar_visits_its_high_before_its_low() -> None:
    bar = (raw("100"), raw("101"), raw("90"), raw("92"))

    assert kline_path(0, 60_000, bar) == [
        (0, raw("100")),
        (15_000, raw("101")),
        (30_000, raw("90")),
        (45_000, raw("92")),
    ]


def test_a_rising_bar_visits_its_low_first() -> None:
    bar = (raw("100"), raw("110"), raw("99"), raw("108"))

    assert [p for _, p in kline_path(0, 60_000, bar)] == [
        raw("100"),
        raw("99"),
        raw("110"),
        raw("108"),
    ]


def test_the_real_2021_crash_file_reads_whole_and_reaches_its_low() -> None:
    bars = list(read_klines(SHARED / "data" / CRASH))

    assert len(bars) == 405
    assert min(bar.low for bar in bars) == raw("28688")
    assert all(bar.close_ms == bar.open_ms + 59_999 for bar in bars)


def test_zipped_file_with_a_header_reads_the_same(tmp_path: Path) -> None:
    source = (SHARED / "data" / CRASH).read_text(encoding="utf-8")
    header = "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    header += "taker_buy_volume,taker_buy_quote_volume,ignore\n"
    archive = tmp_path / "BTCUSDT-1m.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("BTCUSDT-1m.csv", header + source)

    assert list(read_klines(archive)) == list(read_klines(SHARED / "data" / CRASH))


def test_a_broken_row_names_its_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("1621418580000,40312.50,40314.43,abc,40267.06,338.309,1621418639999\n")

    with pytest.raises(KlineFileError, match=r"bad\.csv: row 1"):
        list(read_klines(path))


def test_trades_and_agg_trades_files_with_or_without_header(tmp_path: Path) -> None:
    trades = tmp_path / "BTCUSDT-trades.csv"
    trades.write_text(
        "id,price,qty,quote_qty,time,is_buyer_maker\n"
        "1,60000.10,0.005,300.0005,1722816000000,true\n"
        "2,59990.00,0.010,599.9,1722816000100,false\n"
    )
    aggregated = tmp_path / "BTCUSDT-aggTrades.zip"
    with zipfile.ZipFile(aggregated, "w") as bundle:
        bundle.writestr("a.csv", "7,59980.5,0.2,10,12,1722816000200,False\n")

    rows = list(read_trades(trades, "BTCUSDT")) + list(read_trades(aggregated, "BTCUSDT"))

    assert [(t.trade_id, t.price, t.quantity, t.buyer_is_maker) for t in rows] == [
        (1, raw("60000.1"), raw("0.005"), True),
        (2, raw("59990"), raw("0.01"), False),
        (7, raw("59980.5"), raw("0.2"), False),
    ]
    assert [t.ts_ms for t in rows] == [1722816000000, 1722816000100, 1722816000200]
