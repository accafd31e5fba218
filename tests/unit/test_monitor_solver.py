"""The monitor's solver gives exactly ``assess_account``'s figures, through its remembered ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from liquidator.app.monitor.solver import AccountSolver
from liquidator.bootstrap import bundled_market
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.money.fixed import Amount, Price, Qty

MARKET = bundled_market()


def position(
    symbol: str, side: PositionSide, quantity: str, entry: str, margin: MarginType, wallet: str = ""
) -> Position:
    return Position(
        MARKET.instruments[symbol], side, Qty.of(quantity), Price.of(entry), Price.of(entry),
        margin, 10, Amount.of(wallet, "USDT") if wallet else None,
    )  # fmt: skip


def mixed_account(wallet: str) -> Account:
    """A hedge-mode cross pair in BTCUSDT, an isolated pair in ETHUSDT."""
    return Account(
        Amount.of(wallet, "USDT"),
        (
            position("BTCUSDT", PositionSide.LONG, "1.5", "60000", MarginType.CROSS),
            position("BTCUSDT", PositionSide.SHORT, "-0.5", "61000", MarginType.CROSS),
            position("ETHUSDT", PositionSide.LONG, "10", "3000", MarginType.ISOLATED, "3000"),
            position("ETHUSDT", PositionSide.SHORT, "-4", "3100", MarginType.ISOLATED, "1240"),
        ),
    )


def two_pairs_account(wallet: str) -> Account:
    """Cross hedge pairs in two symbols: each pair's cushion moves with the other's mark."""
    return Account(
        Amount.of(wallet, "USDT"),
        (
            position("BTCUSDT", PositionSide.LONG, "3", "60000", MarginType.CROSS),
            position("BTCUSDT", PositionSide.SHORT, "-1.2", "60500", MarginType.CROSS),
            position("ETHUSDT", PositionSide.LONG, "5", "3000", MarginType.CROSS),
            position("ETHUSDT", PositionSide.SHORT, "-40", "3050", MarginType.CROSS),
        ),
    )


def flat_pair_account(wallet: str) -> Account:
    """A BTCUSDT pair with no net exposure beside an ETHUSDT cross pair."""
    return Account(
        Amount.of(wallet, "USDT"),
        (
            position("BTCUSDT", PositionSide.LONG, "1", "60000", MarginType.CROSS),
            position("BTCUSDT", PositionSide.SHORT, "-1", "60000", MarginType.CROSS),
            position("ETHUSDT", PositionSide.LONG, "5", "3000", MarginType.CROSS),
            position("ETHUSDT", PositionSide.SHORT, "-40", "3050", MarginType.CROSS),
        ),
    )


def one_way_account(wallet: str) -> Account:
    return Account(
        Amount.of(wallet, "USDT"),
        (
            position("BTCUSDT", PositionSide.BOTH, "0.5", "60000", MarginType.CROSS),
            position("ETHUSDT", PositionSide.BOTH, "-8", "3000", MarginType.CROSS),
        ),
    )


def marked(account: Account, btc: int, eth: int) -> Account:
    marks = {"BTCUSDT": Price.of(btc), "ETHUSDT": Price.of(eth)}
    return replace(
        account, positions=tuple(replace(p, mark_price=marks[p.symbol]) for p in account.positions)
    )


@pytest.mark.parametrize(
    ("build", "wallet"),
    [
        (mixed_account, "8000"),
        (two_pairs_account, "30000"),
        (two_pairs_account, "500"),  # a thin cushion: the prices near the marks
        (two_pairs_account, "9000000"),  # the roots far away, in the last brackets
        (flat_pair_account, "0"),  # some marks leave the flat pair no root: the core decides
        (flat_pair_account, "1000"),
        (one_way_account, "4000"),
        (one_way_account, "500000"),
    ],
)
def test_solver_matches_assess_account_along_a_random_mark_path(
    build: Callable[[str], Account], wallet: str
) -> None:
    solver = AccountSolver()
    walk = random.Random(7)
    btc, eth = 60_000, 3_000
    for _ in range(60):
        btc = max(1_000, btc + walk.randint(-1_500, 1_500))
        eth = max(100, eth + walk.randint(-90, 90))
        account = marked(build(wallet), btc, eth)

        risks, ratio = solver.solve(account, MARKET.brackets)

        expected = assess_account(account, MARKET.brackets)
        assert ratio == expected.margin_ratio
        assert [r.liquidation for r in risks] == [r.liquidation for r in expected.positions]
        assert [r.bankruptcy for r in risks] == [r.bankruptcy for r in expected.positions]
        assert [r.margin for r in risks] == [r.margin for r in expected.positions]
        assert [r.shared for r in risks] == [r.shared for r in expected.positions]


def test_a_well_margined_position_is_not_solved_again_while_its_cushion_grows() -> None:
    solver = AccountSolver()
    rich = marked(one_way_account("500000"), 60_000, 3_000)

    solver.solve(rich, MARKET.brackets)
    remembered = dict(solver.never)
    solver.solve(marked(rich, 61_000, 2_900), MARKET.brackets)  # both in profit: more cushion

    assert remembered  # nothing can liquidate either position with 500000 behind it
    assert solver.never == remembered
