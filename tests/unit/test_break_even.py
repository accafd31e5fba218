"""The break-even price nets zero: closing at it leaves the position's life at or above zero,
one raw unit on the other side of it below (read/break_even.py), linear and inverse."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from liquidator.core.money.scaled import SCALE
from liquidator.read.break_even import Life, life_costs, price_of, walk
from liquidator.read.order_history import Fill

COIN16 = 100 * SCALE * SCALE  # a 100 USD contract (IntTiers.coin16)


def net(quantity: int, cost16: int, net_cost: int, rate: int, coin16: int, price: int) -> Fraction:
    """The life's result (10^-16) if ``quantity`` held at ``cost16`` is closed at ``price`` by a
    taker: its PnL at that price, less ``net_cost`` and the closing fee, exactly."""
    if coin16:
        value = Fraction(quantity * coin16, price)  # 10^-16 coin
        pnl = cost16 - value
    else:
        value = Fraction(quantity * price)
        pnl = value - cost16
    return pnl - net_cost * SCALE - abs(value) * rate / SCALE


prices = st.integers(1_000 * SCALE, 100_000 * SCALE)


@given(
    long=st.booleans(),
    contracts=st.integers(1, 10_000),
    entry=prices,
    net_cost=st.integers(-(10**12), 10**12),
    rate=st.sampled_from([0, 20_000, 50_000, 100_000]),
    inverse=st.booleans(),
)
def test_closing_at_the_break_even_price_nets_zero_and_a_unit_short_of_it_does_not(
    long: bool, contracts: int, entry: int, net_cost: int, rate: int, inverse: bool
) -> None:
    quantity = (contracts if long else -contracts) * (SCALE if inverse else SCALE // 1000)
    coin16 = COIN16 if inverse else 0
    cost16 = quantity * coin16 // entry if inverse else quantity * entry

    price = price_of(quantity, cost16, net_cost, rate, coin16)

    assume(price > 1)  # 0: no price breaks even
    assert net(quantity, cost16, net_cost, rate, coin16, price) >= 0
    worse = price - 1 if long else price + 1  # the next raw price the account would close at
    assert net(quantity, cost16, net_cost, rate, coin16, worse) < 0


def test_a_long_s_break_even_in_the_worked_example() -> None:
    # 1 BTC at 60,000 bought as taker (fee 30): (60,030) / 0.9995, rounded up
    assert price_of(SCALE, SCALE * 60_000 * SCALE, 30 * SCALE, 50_000, 0) == 6_006_003_001_501


def test_no_price_breaks_even_when_the_losses_exceed_what_any_price_earns_back() -> None:
    # an inverse long of 100 contracts at 60,000 (0.1666 BTC) that paid 0.2 BTC in fees
    cost16 = 100 * SCALE * COIN16 // (60_000 * SCALE)
    assert price_of(100 * SCALE, cost16, 20_000_000, 50_000, COIN16) == 0


def fill(side: str, quantity: int, commission: int, realized: int = 0, ps: str = "BOTH") -> Fill:
    return Fill("a", "BTCUSDT", 1, 1, side, ps, 0, quantity, commission, "USDT", realized, False, 0)


def test_the_life_runs_back_to_the_fill_that_opened_the_position() -> None:
    newest_first = [
        fill("SELL", 4, 12, realized=400),  # a partial close
        fill("BUY", 10, 30),  # opened from flat
        fill("SELL", 10, 99, realized=-7),  # closed the position before: not this one's
    ]
    assert life_costs(newest_first, "BOTH", 6) == (42, 400)


def test_a_flip_counts_its_opening_share_and_another_side_s_fills_are_not_counted() -> None:
    newest_first = [
        fill("BUY", 5, 1, ps="LONG"),  # the hedge long's
        fill("SELL", 3, 90, realized=50),  # long 1 -> short 2: 2/3 of 90, not its PnL
        fill("BUY", 1, 30),
    ]
    assert life_costs(newest_first, "BOTH", -2) == (60, 0)
    assert life_costs([fill("SELL", 3, 91)], "BOTH", -2) == (61, 0)  # 60.67 -> up


SIDE = st.sampled_from(["BUY", "SELL"])


@given(
    trades=st.lists(st.tuples(SIDE, st.integers(1, 5), st.integers(0, 99)), min_size=2),
    cut=st.integers(1, 50),
)
def test_a_life_walked_from_its_last_answer_is_the_life_walked_whole(
    trades: list[tuple[str, int, int]], cut: int
) -> None:
    fills = [
        Fill("a", "BTCUSDT", n, n, side, "BOTH", 0, qty, fee, "USDT", fee - 50, False, 0)
        for n, (side, qty, fee) in enumerate(trades)
    ]
    held = [sum(q if s == "BUY" else -q for s, q, _ in trades[: n + 1]) for n in range(len(trades))]
    cut = min(cut, len(fills) - 1)  # the last answer was given after fill ``cut - 1``
    assume(held[cut - 1] != 0 and held[-1] != 0)
    before = walk(reversed(fills[:cut]), "BOTH", held[cut - 1], None)

    assert walk(reversed(fills), "BOTH", held[-1], before) == walk(
        reversed(fills), "BOTH", held[-1], None
    )


def test_a_last_answer_whose_position_differs_is_not_trusted() -> None:
    fills = [fill("BUY", 10, 30), fill("SELL", 4, 12, realized=400)]  # oldest first
    stale = Life((1, 1), 99, 10**9, 0)  # a position of 99 after that fill: not this history's

    assert walk(reversed(fills), "BOTH", 6, stale) == Life((1, 1), 6, 42, 400)
