"""A capture's own book as the replay's liquidity (``--liquidity book``).

The frames are checked against the book rebuilt here from the capture's raw JSON (Decimal, no
shared code); the ``@book`` account's orders against the frame in force; liquidations against
the captured bids they fill at. The capture is the real one of 2023-04-04 23:58:20-23:59:59
(``../shared/data/binance-usdm``); the CLI runs use an excerpt of it written per test session
(its depth snapshot, depth and trade messages: no book tickers, no marks).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liquidator.bootstrap import bundled_market
from liquidator.cli import build_parser
from liquidator.cli.replay import add_commands, run
from liquidator.core.exchange.orders import Side
from liquidator.simulation.book_liquidity import BOOK, BookLiquidity, target_levels
from liquidator.simulation.captured_book import frame_at
from liquidator.simulation.feeds import Feed, Tick
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig
from liquidator.simulation.replay_sources import read_feed
from tests.conftest import SHARED
from tests.simulation.test_replay_inputs import first_minutes
from tests.simulation.test_sweep_cli import parse

CAPTURE = SHARED / "data" / "binance-usdm" / "hftbacktest_usdm_btcusdt_20230404.dat.gz"
RAW = 10**8
MIN_NOTIONAL = Decimal(100)  # BTCUSDT's in the bundled market


def raw(text: str) -> int:
    return int(Decimal(text) * RAW)


def rebuilt_top(
    before_ms: int, levels: int, captures: tuple[Path, ...] = (CAPTURE,)
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The captures' book from the snapshot and every later depthUpdate with
    ``E < before_ms``, its best levels."""
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    snapshot_id = 0
    for line in _lines(captures):
        document = json.loads(line.split(" ", 1)[1])
        if "lastUpdateId" in document:  # the REST snapshot the capture opens with
            snapshot_id = document["lastUpdateId"]
            bids = {raw(p): raw(q) for p, q in document["bids"]}
            asks = {raw(p): raw(q) for p, q in document["asks"]}
            continue
        data = document["data"]
        if data.get("e") != "depthUpdate" or data["E"] >= before_ms:
            continue
        if data["u"] < snapshot_id:  # Binance: drop the diffs the snapshot holds
            continue
        for side, key in ((bids, "b"), (asks, "a")):
            for price, quantity in data[key]:
                if Decimal(quantity) == 0:
                    side.pop(raw(price), None)
                else:
                    side[raw(price)] = raw(quantity)
    best_bids = sorted(bids.items(), reverse=True)[:levels]
    best_asks = sorted(asks.items())[:levels]
    return best_bids, best_asks


@pytest.fixture(scope="module")
def feed() -> Feed:
    return read_feed([CAPTURE], None, book_levels=20)


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The capture's depth snapshot, depth and trade messages, gzip (about 460 KB)."""
    path = tmp_path_factory.mktemp("capture") / "btcusdt_20230404.gz"
    with (
        gzip.open(CAPTURE, "rt", encoding="utf-8") as source,
        gzip.open(path, "wt", encoding="utf-8") as target,
    ):
        target.writelines(line for line in source if _depth_or_trade(line))
    return path


def placeable(levels: list[tuple[int, int]]) -> dict[int, int]:
    """The levels an order can hold: BTCUSDT's notional of at least 100 USDT (all on the tick)."""
    return {
        price: quantity
        for price, quantity in levels
        if Decimal(price) * Decimal(quantity) / RAW**2 >= MIN_NOTIONAL
    }


def _lines(captures: tuple[Path, ...]) -> Iterator[str]:
    for capture in captures:
        with gzip.open(capture, "rt", encoding="utf-8") as lines:
            yield from lines


def test_each_frame_is_the_capture_book_of_the_messages_before_its_second(feed: Feed) -> None:
    start = feed.books[0].ms
    for second in (start, start + 5_000, start + 60_000, feed.books[-1].ms):
        frame = frame_at(feed.books, "BTCUSDT", second)
        assert frame is not None

        bids, asks = rebuilt_top(second, 20)

        assert list(frame.bids) == bids
        assert list(frame.asks) == asks
    assert len(feed.books) > 90  # ~100 seconds, nearly every one changes the top 20
    assert all(frame.ms % 1_000 == 0 for frame in feed.books)


def test_the_book_account_holds_the_captured_top_levels_at_a_given_second(feed: Feed) -> None:
    second = feed.books[0].ms + 60_000
    ticks = [tick for tick in feed.ticks if tick[0] <= second]
    assert ticks[-1][0] == second  # the replay stops on a price at that second
    config = ReplayConfig(
        market_maker=None,
        book=BookLiquidity(20),
        population=PopulationConfig(count=20, max_leverage=5, stop_loss_share=0),
    )
    replay = Replay(bundled_market(), config)

    replay.run(ticks, feed.symbols, marks=_until(feed.marks, second), books=feed.books)

    orders = replay.engine.venue.accounts[BOOK].symbols["BTCUSDT"].orders.values()
    held = {
        side: {o.price: o.remaining for o in orders if o.side is side}
        for side in (Side.BUY, Side.SELL)
    }
    bids, asks = rebuilt_top(second, 20)
    assert held[Side.BUY] == placeable(bids)
    assert held[Side.SELL] == placeable(asks)
    assert len(held[Side.BUY]) >= 5
    assert len(held[Side.SELL]) >= 5


def test_a_liquidation_fills_at_a_captured_bid(feed: Feed) -> None:
    falling = _falling(feed.marks, percent=3)
    config = ReplayConfig(
        market_maker=None,
        book=BookLiquidity(20),
        population=PopulationConfig(count=200, max_leverage=125, stop_loss_share=0),
    )
    replay = Replay(bundled_market(), config)

    result = replay.run(feed.ticks, feed.symbols, marks=falling, books=feed.books)

    assert replay.book is not None
    forced = [fill for fill in replay.book.fills if fill.liquidation]
    assert result.liquidations
    assert forced
    for fill in forced:
        frame = frame_at(feed.books, "BTCUSDT", fill.ts_ms)
        assert frame is not None
        assert fill.side == "BUY"  # @book bought the longs' forced sells
        assert fill.price in {price for price, _ in frame.bids}
    liquidated = {item.account for item in result.liquidations}
    assert {fill.taker for fill in forced} <= liquidated
    levels_hit: dict[int, set[int]] = {}
    for fill in forced:
        levels_hit.setdefault(fill.ts_ms // 1_000, set()).add(fill.price)
    assert max(map(len, levels_hit.values())) >= 2  # a cascade eats through the levels
    assert all(total == 0 for total in replay.engine.venue.ledger.totals().values())


def test_captured_levels_become_orders_by_the_stated_rules() -> None:
    btc = bundled_market().instruments["BTCUSDT"]
    bids = (
        (raw("28150.15"), raw("1")),
        (raw("28150.12"), raw("0.5")),
        (raw("28149.9"), raw("0.002")),
    )
    asks = ((raw("28150.25"), raw("0.0015")), (raw("28150.3"), raw("2000")))
    minimum = 100 * RAW * RAW

    whole = target_levels(bids, Side.BUY, btc, BookLiquidity(), minimum)
    half = target_levels(bids, Side.BUY, btc, BookLiquidity(scale=Fraction(1, 2)), minimum)
    sells = target_levels(asks, Side.SELL, btc, BookLiquidity(scale=Fraction(2)), minimum)
    top = target_levels(bids, Side.BUY, btc, BookLiquidity(levels=1), minimum)

    # two off-tick bids meet at 28150.1 (down); 0.002 BTC is under 100 USDT: left out
    assert whole == {raw("28150.1"): raw("1.5")}
    assert half == {raw("28150.1"): raw("0.75")}
    # 0.0015 x 2 = 0.003 BTC at 28150.3 (up) is 84 USDT: left out; 4000 BTC is capped at maxQty
    assert sells == {raw("28150.3"): btc.filters.max_qty}
    assert top == {raw("28150.1"): raw("1")}


@given(
    cents=st.lists(st.integers(2_000_000, 3_000_000), min_size=1, max_size=40, unique=True),
    quantities=st.lists(st.integers(1, 5_000), min_size=40, max_size=40),
    scale=st.fractions(min_value=Fraction(1, 100), max_value=Fraction(10)),
    side=st.sampled_from([Side.BUY, Side.SELL]),
)
def test_orders_are_on_the_tick_never_better_nor_more_than_captured(
    cents: list[int], quantities: list[int], scale: Fraction, side: Side
) -> None:
    btc = bundled_market().instruments["BTCUSDT"]
    tick = btc.tick_size.raw
    prices = sorted((c * 10**6 for c in cents), reverse=side is Side.BUY)  # best first, 0.01
    levels = tuple((p, q * 10**5) for p, q in zip(prices, quantities, strict=False))  # 0.001s
    config = BookLiquidity(levels=20, scale=scale)

    orders = target_levels(levels, side, btc, config, 100 * RAW * RAW)

    kept = levels[:20]
    for price, quantity in orders.items():
        assert price % tick == 0
        assert quantity % btc.step_size.raw == 0
        assert price * quantity >= 100 * RAW * RAW
        sources = [
            q
            for p, q in kept
            if (p - p % tick if side is Side.BUY else -(-p // tick) * tick) == price
        ]
        assert sources  # from captured levels within the tick, never a better price
        assert quantity <= sum(sources) * scale
    assert sum(orders.values()) <= sum(q for _, q in kept) * scale


def test_the_same_capture_gives_the_same_state_hash_and_the_book_changes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, excerpt: Path
) -> None:
    book = [_summary(capsys, tmp_path, excerpt, "--book-levels", "10") for _ in range(2)]
    maker = _summary(capsys, tmp_path, excerpt, "--liquidity", "maker")

    assert book[0]["state_hash"] == book[1]["state_hash"]
    assert book[0]["liquidity"]["model"] == "book"  # the default on a capture with depth
    assert book[0]["liquidity"]["levels"] == 10
    assert book[0]["liquidity"]["frames"] > 90
    assert maker["liquidity"]["model"] == "maker"
    assert maker["state_hash"] != book[0]["state_hash"]


def test_a_replay_with_the_book_liquidates_against_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, excerpt: Path
) -> None:
    marks = tmp_path / "BTCUSDT-1m-2023-04-04.csv"
    marks.write_text(
        "1680652680000,28150,28150,27800,27800,0,1680652739999,0,0,0,0,0\n"
        "1680652740000,27800,27800,27300,27300,0,1680652799999,0,0,0,0,0\n",
        encoding="utf-8",
    )

    summary = _summary(
        capsys,
        tmp_path,
        excerpt,
        "--mark",
        str(marks),
        "--max-leverage",
        "125",
        "--book-scale",
        "0.5",
    )

    assert summary["liquidity"]["scale"] == "0.5"
    assert summary["liquidations"]["LONG"] > 0
    assert summary["liquidity"]["liquidation_fills"] > 0


def test_a_lost_depth_diff_is_counted_as_a_gap(tmp_path: Path, excerpt: Path) -> None:
    with gzip.open(excerpt, "rt", encoding="utf-8") as source:
        lines = source.readlines()
    diffs = [n for n, line in enumerate(lines) if '"e":"depthUpdate"' in line]
    gapped = tmp_path / "gapped.gz"
    with gzip.open(gapped, "wt", encoding="utf-8") as target:
        target.writelines(line for n, line in enumerate(lines) if n != diffs[len(diffs) // 2])

    assert read_feed([excerpt], None, book_levels=5).book_gaps == 0
    assert read_feed([gapped], None, book_levels=5).book_gaps == 1


def test_an_earlier_capture_warms_a_capture_of_diffs_alone() -> None:
    later = CAPTURE.with_name("hftbacktest_usdm_btcusdt_20230405.dat.gz")

    warmed = read_feed([later], None, book_levels=20, warmups=[CAPTURE]).books
    cold = read_feed([later], None, book_levels=20).books

    first = warmed[1].ms  # warmed[0]: the warm-up's last frame, in force when the capture opens
    assert warmed[0].ms <= cold[0].ms
    bids, asks = rebuilt_top(first, 20, (CAPTURE, later))
    assert list(warmed[1].bids) == bids
    assert list(warmed[1].asks) == asks
    cold_first = frame_at(cold, "BTCUSDT", first)
    assert cold_first is not None
    assert list(cold_first.bids) != bids  # diffs alone miss the levels they never touched


def test_runs_parquet_names_the_captured_book_liquidity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, excerpt: Path
) -> None:
    from liquidator.simulation.sweep.parquet import read_runs  # noqa: PLC0415 (pyarrow)

    book = _summary(capsys, tmp_path, excerpt, "--parquet", str(tmp_path / "book"))
    maker = _summary(
        capsys, tmp_path, excerpt, "--liquidity", "maker", "--parquet", str(tmp_path / "maker")
    )

    (book_row,) = read_runs(tmp_path / "book" / "runs.parquet")
    (maker_row,) = read_runs(tmp_path / "maker" / "runs.parquet")
    assert book_row["name"] == "btcusdt_20230404.gz (book: 20 levels x 1)"
    assert maker_row["name"] == "btcusdt_20230404.gz"
    assert book_row["run_id"] != maker_row["run_id"]
    assert book_row["state_hash"] == book["state_hash"]
    assert maker_row["state_hash"] == maker["state_hash"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["EXCERPT", "--book-warmup", "EXCERPT"],
            "btcusdt_20230404.gz does not lead into btcusdt_20230404.gz: its BTCUSDT depth ends",
        ),
        (["EXCERPT", "--book-warmup", "KLINES"], "is a klines file, not capture (--book-warmup)"),
        (
            ["EXCERPT", "--liquidity", "maker", "--book-warmup", "EXCERPT"],
            "--book-warmup apply to --liquidity book",
        ),
        (["KLINES", "--liquidity", "book"], "BTCUSDT-1m-2021-05.csv carries no book"),
        (["--scenario", "flash", "--liquidity", "book"], "the scenario carries no book"),
        (["TRADES", "--liquidity", "book"], "trades_only.gz carries no book"),
        (["EXCERPT", "--liquidity", "maker", "--book-levels", "5"], "apply to --liquidity book"),
    ],
    ids=[
        "warmup-not-before",
        "warmup-not-a-capture",
        "warmup-with-maker",
        "klines",
        "scenario",
        "capture-without-depth",
        "book-option-with-maker",
    ],
)
def test_book_liquidity_without_a_book_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    excerpt: Path,
    argv: list[str],
    message: str,
) -> None:
    files = {
        "KLINES": str(first_minutes(tmp_path, "BTCUSDT", 3)),
        "EXCERPT": str(excerpt),
        "TRADES": str(_trades_only(excerpt, tmp_path / "trades_only.gz")),
    }
    args = parse(
        add_commands,
        "replay",
        *(files.get(a, a) for a in argv),
        "--report",
        str(tmp_path / "r.html"),
    )

    code = run(args)

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["--book-levels", "0"],
        ["--book-levels", "101"],
        ["--book-scale", "0"],
        ["--book-scale", "abc"],
        ["--book-scale", "1e400"],
        ["--liquidity", "synthetic"],
    ],
)
def test_bad_book_options_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["replay", "x.gz", *argv])

    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.count("\n") == 1
    assert err.startswith("liquidator replay: error: argument")


def _summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, capture: Path, *argv: str
) -> dict[str, Any]:
    args = parse(
        add_commands,
        "replay",
        str(capture),
        "--traders",
        "200",
        "--json",
        "--report",
        str(tmp_path / "r.html"),
        *argv,
    )
    assert run(args) == 0
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def _until(ticks: list[Tick], ms: int) -> list[Tick]:
    return [tick for tick in ticks if tick[0] <= ms]


def _falling(marks: list[Tick], percent: int) -> list[Tick]:
    """The capture's marks, pulled down linearly to ``percent`` under them by its end."""
    start, end = marks[0][0], marks[-1][0]
    return [
        (ms, symbol, price - price * percent * (ms - start) // (100 * (end - start)))
        for ms, symbol, price in marks
    ]


def _depth_or_trade(line: str) -> bool:
    return '"e":"depthUpdate"' in line or '"e":"trade"' in line or "lastUpdateId" in line


def _trades_only(capture: Path, path: Path) -> Path:
    with (
        gzip.open(capture, "rt", encoding="utf-8") as source,
        gzip.open(path, "wt", encoding="utf-8") as target,
    ):
        target.writelines(line for line in source if '"e":"trade"' in line)
    return path
