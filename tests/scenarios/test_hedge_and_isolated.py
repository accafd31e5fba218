"""Hedge mode (LONG and SHORT side by side) and isolated margin (a wallet per position).

BTCUSDT, index (so mark) 60000, 20x. An isolated position's wallet is the ledger account
``<account>/BTCUSDT/<side>``; opening moves ``ceil(notional / leverage)`` into it from the cross
wallet, realized PnL lands in it, and closing hands it back. Fees come from the cross wallet.
"""

from __future__ import annotations

from liquidator.core.exchange.commands import (
    ModifyIsolatedMargin,
    SetLeverage,
    SetMarginType,
    SetPositionMode,
)
from liquidator.core.exchange.events import PositionChanged, RejectReason
from liquidator.core.exchange.ledger import EntryKind, LedgerPosted
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.margin.position import MarginType, PositionSide
from tests.scenarios.venue import BTC, Exchange, exchange, fills, of_type, order, raw, usdt

LONG, SHORT, BOTH = PositionSide.LONG, PositionSide.SHORT, PositionSide.BOTH
WALLET = "trader/BTCUSDT/BOTH"


def hedged() -> Exchange:
    venue = exchange("trader", "maker")
    venue.accept(SetPositionMode("trader", hedge=True))
    return venue


def isolated(leverage: int = 20) -> Exchange:
    venue = exchange("trader", "maker")
    venue.accept(SetMarginType("trader", BTC, MarginType.ISOLATED))
    if leverage != 20:
        venue.accept(SetLeverage("trader", BTC, leverage))
    return venue


def postings(events: list[LedgerPosted], kind: EntryKind) -> list[tuple[tuple[str, int], ...]]:
    """Return the postings of ``trader``'s ledger entries of ``kind``."""
    return [e.postings for e in events if e.kind is kind and e.account == "trader"]


# -- hedge mode ------------------------------------------------------------------------------


def test_hedge_mode_holds_a_long_and_a_short_side_by_side() -> None:
    venue = hedged()
    venue.limit("maker", Side.SELL, "0.010", "60000")
    venue.limit("maker", Side.BUY, "0.020", "59990")

    venue.limit("trader", Side.BUY, "0.010", "60000", position_side=LONG)
    venue.limit("trader", Side.SELL, "0.020", "59990", position_side=SHORT)

    assert venue.position("trader", LONG) == (raw("0.010"), raw("60000"))
    assert venue.position("trader", SHORT) == (-raw("0.020"), raw("59990"))
    # taker fees 600 * 0.0005 = 0.3 and 1199.8 * 0.0005 = 0.5999
    assert venue.wallet("trader") == raw("10000") - raw("0.3") - raw("0.5999")


def test_sell_long_closes_the_long_and_leaves_the_short() -> None:
    venue = hedged()
    venue.limit("maker", Side.SELL, "0.010", "60000")
    venue.limit("trader", Side.BUY, "0.010", "60000", position_side=LONG)
    venue.limit("maker", Side.BUY, "0.010", "60000")
    venue.limit("trader", Side.SELL, "0.010", "60000", position_side=SHORT)
    venue.set_index("61000")
    venue.limit("maker", Side.BUY, "0.010", "61000")

    closed = venue.limit("trader", Side.SELL, "0.010", "61000", position_side=LONG)

    # PnL 0.010 * (61000 - 60000) = 10
    assert [(f.realized_pnl, f.quantity) for f in fills(closed, "trader")] == [
        (raw("10"), raw("0.010"))
    ]
    assert venue.position("trader", LONG) == (0, 0)
    assert venue.position("trader", SHORT) == (-raw("0.010"), raw("60000"))


def test_sell_long_larger_than_the_long_is_rejected() -> None:
    venue = hedged()
    venue.limit("maker", Side.SELL, "0.010", "60000")
    venue.limit("trader", Side.BUY, "0.010", "60000", position_side=LONG)

    venue.reject(
        order("trader", Side.SELL, OrderType.LIMIT, "0.020", "60000", position_side=LONG),
        RejectReason.REDUCE_ONLY_REJECTED,
    )


def test_sell_long_without_a_long_is_rejected() -> None:
    venue = hedged()

    venue.reject(
        order("trader", Side.SELL, OrderType.LIMIT, "0.010", "60000", position_side=LONG),
        RejectReason.REDUCE_ONLY_REJECTED,
    )


def test_reduce_only_is_refused_in_hedge_mode() -> None:
    venue = hedged()

    venue.reject(
        order(
            "trader",
            Side.BUY,
            OrderType.LIMIT,
            "0.010",
            "60000",
            position_side=LONG,
            reduce_only=True,
        ),
        RejectReason.UNNEEDED_PARAMETER,
    )


def test_position_side_both_is_refused_in_hedge_mode() -> None:
    venue = hedged()

    venue.reject(
        order("trader", Side.BUY, OrderType.LIMIT, "0.010", "60000"),
        RejectReason.POSITION_SIDE_MISMATCH,
    )


def test_close_position_on_the_long_must_sell() -> None:
    venue = hedged()

    venue.reject(
        order(
            "trader",
            Side.BUY,
            OrderType.STOP_MARKET,
            stop="61000",
            close_position=True,
            position_side=LONG,
        ),
        RejectReason.POSITION_SIDE_MISMATCH,
    )


def test_hedge_mode_orders_on_both_sides_each_hold_margin() -> None:
    venue = hedged()

    venue.limit("trader", Side.BUY, "0.010", "59000", position_side=LONG)
    venue.limit("trader", Side.SELL, "0.010", "61000", position_side=SHORT)

    # 590 / 20 + 610 / 20 = 29.5 + 30.5 (one-way mode would hold only the larger, 30.5)
    assert venue.available("trader") == raw("9940")


# -- isolated margin -------------------------------------------------------------------------


def test_opening_an_isolated_position_moves_its_margin_to_the_isolated_wallet() -> None:
    venue = isolated()
    venue.limit("maker", Side.SELL, "0.010", "60000")

    opened = venue.limit("trader", Side.BUY, "0.010", "60000")

    # 600 / 20 = 30 to the isolated wallet; the fee 0.3 from the cross wallet
    assert postings(of_type(opened, LedgerPosted), EntryKind.ISOLATED_MARGIN) == [
        (("trader", -raw("30")), (WALLET, raw("30")))
    ]
    assert venue.wallet(WALLET) == raw("30")
    assert venue.wallet("trader") == raw("9969.7")
    changed = venue.positions_changed(opened, "trader")
    assert [(p.isolated_wallet, p.margin_type) for p in changed] == [
        (raw("30"), MarginType.ISOLATED)
    ]


def test_isolated_margin_is_rounded_up() -> None:
    venue = isolated(leverage=7)
    venue.limit("maker", Side.SELL, "0.010", "60000")

    venue.limit("trader", Side.BUY, "0.010", "60000")

    # 600 / 7 = 85.714285714... -> 85.71428572
    assert venue.wallet(WALLET) == raw("85.71428572")


def test_realized_pnl_lands_in_the_isolated_wallet_and_closing_releases_it_all() -> None:
    venue = isolated()
    venue.trade("trader", "maker", "0.010", "60000")
    venue.set_index("61000")
    venue.limit("maker", Side.BUY, "0.010", "61000")

    closed = venue.limit("trader", Side.SELL, "0.010", "61000")

    # PnL 0.010 * 1000 = 10 into the isolated wallet (30 + 10), then all 40 back to cross
    events = of_type(closed, LedgerPosted)
    assert postings(events, EntryKind.REALIZED_PNL) == [
        (("@settlement", -raw("10")), (WALLET, raw("10")))
    ]
    assert postings(events, EntryKind.ISOLATED_MARGIN) == [
        ((WALLET, -raw("40")), ("trader", raw("40")))
    ]
    assert venue.wallet(WALLET) == 0
    # 10000 - 30 - 0.3 (open fee) + 40 - 0.305 (610 * 0.0005)
    assert venue.wallet("trader") == raw("10009.395")


def test_partial_close_releases_margin_in_proportion() -> None:
    venue = isolated()
    venue.trade("trader", "maker", "0.010", "60000")
    venue.set_index("61000")
    venue.limit("maker", Side.BUY, "0.004", "61000")

    venue.limit("trader", Side.SELL, "0.004", "61000")

    # PnL 0.004 * 1000 = 4: wallet 34; release floor(34 * 0.004 / 0.010) = 13.6 -> 20.4 left
    assert venue.wallet(WALLET) == raw("20.4")
    assert venue.position("trader") == (raw("0.006"), raw("60000"))


def test_isolated_flip_returns_the_old_wallet_and_funds_the_new_side() -> None:
    venue = isolated()
    venue.trade("trader", "maker", "0.010", "60000")  # wallet 30, cross 9969.7
    venue.set_index("61000")
    venue.limit("maker", Side.BUY, "0.030", "61000")

    venue.limit("trader", Side.SELL, "0.030", "61000")

    # closes 0.010 (PnL 10): 40 back to cross; opens a short of 0.020: 1220 / 20 = 61 out
    assert venue.position("trader") == (-raw("0.020"), raw("61000"))
    assert venue.wallet(WALLET) == raw("61")
    # 9969.7 + 40 - 61 - 0.915 (1830 * 0.0005)
    assert venue.wallet("trader") == raw("9947.785")


def test_lowering_leverage_below_what_the_isolated_wallet_covers_is_refused() -> None:
    venue = isolated(leverage=25)
    venue.trade("trader", "maker", "0.010", "60000")  # wallet 600 / 25 = 24

    venue.reject(SetLeverage("trader", BTC, 20), RejectReason.ISOLATED_BALANCE_INSUFFICIENT)

    venue.accept(ModifyIsolatedMargin("trader", BTC, BOTH, usdt("6"), add=True))
    venue.accept(SetLeverage("trader", BTC, 20))  # 30 covers 600 / 20


def test_isolated_margin_can_be_added_and_the_free_part_removed() -> None:
    venue = isolated()
    venue.trade("trader", "maker", "0.010", "60000")  # wallet 30 = the margin needed

    added = venue.accept(ModifyIsolatedMargin("trader", BTC, BOTH, usdt("10"), add=True))
    assert venue.wallet(WALLET) == raw("40")
    assert [p.isolated_wallet for p in of_type(added, PositionChanged)] == [raw("40")]

    # free: 40 - 30 = 10
    venue.reject(
        ModifyIsolatedMargin("trader", BTC, BOTH, usdt("10.00000001"), add=False),
        RejectReason.ISOLATED_BALANCE_INSUFFICIENT,
    )
    venue.accept(ModifyIsolatedMargin("trader", BTC, BOTH, usdt("10"), add=False))
    assert venue.wallet(WALLET) == raw("30")
    assert venue.wallet("trader") == raw("9969.7")


def test_an_unrealized_loss_is_not_removable_margin() -> None:
    venue = isolated()
    venue.trade("maker", "trader", "0.010", "60000")  # short, wallet 30
    venue.accept(ModifyIsolatedMargin("trader", BTC, BOTH, usdt("20"), add=True))  # 50
    venue.set_index("61000")  # -10 unrealized, margin 610 / 20 = 30.5

    # free: 50 - 10 - 30.5 = 9.5
    venue.reject(
        ModifyIsolatedMargin("trader", BTC, BOTH, usdt("9.50000001"), add=False),
        RejectReason.ISOLATED_BALANCE_INSUFFICIENT,
    )
    venue.accept(ModifyIsolatedMargin("trader", BTC, BOTH, usdt("9.5"), add=False))


def test_isolated_margin_change_is_refused_where_it_has_no_meaning() -> None:
    venue = exchange("cross", "maker")
    venue.trade("cross", "maker", "0.010", "60000")
    venue.open("flat")
    venue.accept(SetMarginType("flat", BTC, MarginType.ISOLATED))

    venue.reject(
        ModifyIsolatedMargin("cross", BTC, BOTH, usdt("1"), add=True), RejectReason.NOT_ISOLATED
    )
    venue.reject(
        ModifyIsolatedMargin("flat", BTC, BOTH, usdt("1"), add=True), RejectReason.NO_POSITION
    )


def test_adding_more_isolated_margin_than_the_cross_wallet_can_spare_is_refused() -> None:
    venue = isolated()
    venue.trade("trader", "maker", "0.010", "60000")  # cross wallet 9969.7

    venue.reject(
        ModifyIsolatedMargin("trader", BTC, BOTH, usdt("9969.70000001"), add=True),
        RejectReason.INSUFFICIENT_BALANCE,
    )


def test_isolated_hedge_positions_have_a_wallet_each() -> None:
    venue = hedged()
    venue.accept(SetMarginType("trader", BTC, MarginType.ISOLATED))
    venue.limit("maker", Side.SELL, "0.010", "60000")
    venue.limit("maker", Side.BUY, "0.020", "60000")

    venue.limit("trader", Side.BUY, "0.010", "60000", position_side=LONG)
    venue.limit("trader", Side.SELL, "0.020", "60000", position_side=SHORT)

    assert venue.wallet("trader/BTCUSDT/LONG") == raw("30")
    assert venue.wallet("trader/BTCUSDT/SHORT") == raw("60")
