"""The liquidation waterfall, branch by branch, on a venue whose mark price comes from a feed.

Hand calculations use BTCUSDT's 2024-10 brackets (tier 1: 0.4%, cum 0) and its liquidation
fee rate of 1.25%. A 1 BTC long at 30,000 with 10x isolated margin holds 3,000 USDT:
liquidation price ``(30000 - 3000) / (1 - 0.004) = 27108.43373494``, bankruptcy price 27,000.
"""

from __future__ import annotations

from liquidator.core.engine import Outcome
from liquidator.core.exchange.commands import SetLeverage, SetMarginType, SetPositionMode
from liquidator.core.exchange.events import (
    AutoDeleveraged,
    LiquidationTriggered,
    MarginCallIssued,
    OrderClosed,
    OrderTraded,
    OrderTriggered,
    PositionLiquidated,
    TradeExecuted,
)
from liquidator.core.exchange.orders import ExpiryReason, OrderType, Side, WorkingType
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.risk.adl_ranking import AdlPolicy
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.core.risk.venue_units import unit, unit_figures
from tests.scenarios.venue import BTC, Exchange, of_type, order, order_id, raw

FUND = "@insurance:BTCUSDT"
SEED = "1000000"


def feed_venue(*, seed: str = SEED, policy: AdlPolicy = AdlPolicy.RANKED) -> Exchange:
    """A venue with fed mark prices (no market maker), BTCUSDT at 30,000."""
    config = VenueConfig(
        mark_source=PriceSource.FEED,
        insurance=InsuranceConfig(seed=raw(seed)),
        adl_policy=policy,
    )
    venue = Exchange(config)
    venue.set_index("30000")
    venue.set_mark("30000")
    return venue


def isolated_long(venue: Exchange, account: str = "trader", quantity: str = "1") -> None:
    """``account`` goes long ``quantity`` BTC at 30,000, 10x isolated, against ``seller``."""
    for name, deposit in ((account, "10000"), ("seller", "100000")):
        if name not in venue.engine.venue.accounts:
            venue.open(name, deposit)
    venue.accept(SetLeverage(account, BTC, 10))
    venue.accept(SetMarginType(account, BTC, MarginType.ISOLATED))
    venue.trade(account, "seller", quantity, "30000")


def fund_wallet(venue: Exchange) -> int:
    return venue.wallet(FUND)


def liquidated(outcome: Outcome) -> list[PositionLiquidated]:
    return of_type(outcome, PositionLiquidated)


def test_isolated_long_is_liquidated_when_mark_reaches_its_liquidation_price() -> None:
    venue = feed_venue()
    isolated_long(venue)
    assert venue.wallet("trader/BTCUSDT/BOTH") == raw("3000")
    venue.set_mark("27500")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "1", "27100")

    above = venue.set_mark("27109")  # 27109 > 27108.43...: not yet
    assert liquidated(above) == []
    outcome = venue.set_mark("27108")

    (triggered,) = of_type(outcome, LiquidationTriggered)
    assert triggered.wallet == "trader/BTCUSDT/BOTH"
    assert triggered.margin_balance <= triggered.maintenance_margin
    (done,) = liquidated(outcome)
    assert done.bankruptcy_price == raw("27000")
    assert (done.quantity, done.filled, done.taken_over, done.deleveraged) == (raw("1"),) * 2 + (
        0,
        0,
    )
    # sold at the bidder's 27,100: 100 USDT above bankruptcy; the fee (338.75) is capped at it
    assert done.clearance_fee == raw("100")
    assert venue.position("trader") == (0, 0)
    assert venue.wallet("trader/BTCUSDT/BOTH") == 0
    assert fund_wallet(venue) == raw(SEED) + raw("100")
    assert venue.wallet("trader") == raw("10000") - raw("3000") - raw("15")  # taker fee 0.05%


def test_margin_call_fires_once_per_crossing_of_eighty_percent() -> None:
    venue = feed_venue()
    isolated_long(venue)
    # 80% at (30000 - 3000) / (1 - 0.004 / 0.8) = 27135.678...
    assert of_type(venue.set_mark("27136"), MarginCallIssued) == []
    (call,) = of_type(venue.set_mark("27135"), MarginCallIssued)
    assert (call.account, call.wallet) == ("trader", "trader/BTCUSDT/BOTH")
    assert call.maintenance_margin * 10 >= call.margin_balance * 8
    assert of_type(venue.set_mark("27130"), MarginCallIssued) == []  # still past it: no repeat
    venue.set_mark("27500")  # back below 80%: re-armed
    assert len(of_type(venue.set_mark("27120"), MarginCallIssued)) == 1


def test_unfilled_liquidation_is_taken_over_by_the_fund_at_the_bankruptcy_price() -> None:
    venue = feed_venue()
    isolated_long(venue)

    outcome = venue.set_mark("27100")  # nobody bids: the IOC fills nothing

    (done,) = liquidated(outcome)
    assert (done.filled, done.taken_over, done.clearance_fee) == (0, raw("1"), 0)
    prints = [(t.price, t.quantity, t.kind) for t in of_type(outcome, TradeExecuted)]
    assert prints == [(raw("27000"), raw("1"), "INSURANCE_FUND")]
    assert venue.position(FUND) == (raw("1"), raw("27000"))
    assert venue.wallet("trader/BTCUSDT/BOTH") == 0
    assert venue.last() == raw("30000")  # a takeover is not a market trade


def test_partly_filled_liquidation_charges_the_fee_within_what_is_left() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_mark("27500")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "0.4", "27100")

    (done,) = liquidated(venue.set_mark("27100"))

    # 0.4 sold at 27,100 (realized -1,160: wallet 1,840); the rest at 27,000 would cost 1,800;
    # so 40 USDT is left for the fee (0.4 x 27,100 x 1.25% = 135.5 capped)
    assert (done.filled, done.taken_over) == (raw("0.4"), raw("0.6"))
    assert done.clearance_fee == raw("40")
    assert venue.position(FUND) == (raw("0.6"), raw("27000"))
    assert venue.wallet("trader/BTCUSDT/BOTH") == 0
    assert fund_wallet(venue) == raw(SEED) + raw("40")


def test_gap_below_bankruptcy_leaves_the_loss_with_the_fund_not_the_trader() -> None:
    venue = feed_venue()
    isolated_long(venue)

    venue.set_mark("26000")  # straight through 27,000: bankrupt

    assert venue.position("trader") == (0, 0)
    assert venue.wallet("trader") == raw("6985")  # the cross wallet is untouched
    assert venue.position(FUND) == (raw("1"), raw("27000"))
    fund = unit(venue.engine.venue, (FUND, "USDT"))
    assert fund is not None
    # the fund bought 1 BTC at 27,000 that is worth 26,000
    assert unit_figures(venue.engine.venue, fund).margin_balance == raw(SEED) - raw("1000")


def test_fund_without_capacity_deleverages_the_best_ranked_shorts_first() -> None:
    venue = feed_venue(seed="0")
    isolated_long(venue)  # seller: short 1 at 30,000 with 100,000 USDT (low leverage)
    venue.open("bold", "1000")
    venue.open("buyer", "100000")
    venue.trade("buyer", "bold", "0.5", "30000")  # bold: short 0.5 with 1,000 USDT (high)

    outcome = venue.set_mark("26000")

    # bold: PnL% 2000/13000, leverage 13000/(1000 - 3 + 2000) -> ranks above seller
    events = of_type(outcome, AutoDeleveraged)
    assert [(e.account, e.quantity, e.price) for e in events] == [
        ("bold", raw("0.5"), raw("27000")),
        ("seller", raw("0.5"), raw("27000")),
    ]
    assert venue.position("bold") == (0, 0)
    assert venue.position("seller")[0] == -raw("0.5")
    (done,) = liquidated(outcome)
    assert (done.taken_over, done.deleveraged) == (0, raw("1"))
    prints = {t.kind for t in of_type(outcome, TradeExecuted)}
    assert prints == {"ADL"}
    closes = [e for e in of_type(outcome, OrderClosed) if e.account in ("bold", "seller")]
    assert closes == []  # they had no open orders; ADL itself pays no fee
    # bold rested its sell (maker fee 0.02%: 3) and is closed at 27,000: +0.5 x 3,000
    assert venue.wallet("bold") == raw("1000") - raw("3") + raw("1500")


def test_pro_rata_adl_shares_the_loss_by_profit() -> None:
    venue = feed_venue(seed="0", policy=AdlPolicy.PRO_RATA)
    isolated_long(venue)
    venue.open("bold", "1000")
    venue.open("buyer", "100000")
    venue.trade("buyer", "bold", "0.5", "30000")

    outcome = venue.set_mark("26000")

    # profits: seller 4,000, bold 2,000 -> 2/3 and 1/3 of 1 BTC, floored to 0.001, the odd
    # step to the best ranked (bold)
    events = sorted((e.account, e.quantity) for e in of_type(outcome, AutoDeleveraged))
    assert events == [("bold", raw("0.334")), ("seller", raw("0.666"))]


def test_cross_account_is_liquidated_whole_and_its_orders_in_every_symbol_cancelled() -> None:
    venue = feed_venue()
    venue.open("trader", "3100")
    venue.open("seller", "100000")
    venue.accept(SetLeverage("trader", BTC, 10))
    venue.trade("trader", "seller", "1", "30000")
    accepted = order_id(venue.limit("trader", Side.BUY, "0.01", "29000"))

    outcome = venue.set_mark("27000")  # wallet 3085: liq (30000 - 3085) / 0.996 = 27023.1

    (triggered,) = of_type(outcome, LiquidationTriggered)
    assert triggered.wallet == "trader"
    assert (accepted, "EXPIRED", int(ExpiryReason.LIQUIDATION)) in [
        (e.order_id, e.status, int(e.expiry_reason)) for e in of_type(outcome, OrderClosed)
    ]
    assert venue.position("trader") == (0, 0)
    assert venue.wallet("trader") >= 0


def test_isolated_liquidation_leaves_the_cross_wallet_and_other_symbols_alone() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_index("2000", "ETHUSDT")
    venue.set_mark("2000", "ETHUSDT")
    eth = venue.place(order("trader", Side.BUY, OrderType.LIMIT, "0.1", "1990", symbol="ETHUSDT"))
    assert eth.rejection is None

    venue.set_mark("27000")

    assert venue.position("trader") == (0, 0)
    assert venue.open_order_ids("trader", "ETHUSDT") != []
    assert venue.wallet("trader") == raw("6985")


def test_hedge_mode_cross_account_closes_both_sides() -> None:
    venue = feed_venue()
    venue.open("trader", "1500")
    venue.open("seller", "100000")
    venue.open("buyer", "100000")
    venue.accept(SetLeverage("trader", BTC, 50))
    venue.accept(SetPositionMode("trader", hedge=True))
    venue.limit("seller", Side.SELL, "1", "30000")
    venue.limit("trader", Side.BUY, "1", "30000", position_side=PositionSide.LONG)
    venue.limit("buyer", Side.BUY, "0.5", "30000")
    venue.limit("trader", Side.SELL, "0.5", "30000", position_side=PositionSide.SHORT)

    # wallet 1500 - 22.5 fees; at 27,300: -2,700 + 1,350 -> 127.5 < maintenance 163.8
    assert liquidated(venue.set_mark("27500")) == []  # 227.5 > 165
    outcome = venue.set_mark("27300")

    (triggered,) = of_type(outcome, LiquidationTriggered)
    assert triggered.wallet == "trader"
    sides = sorted(e.position_side.value for e in liquidated(outcome))
    assert sides == ["LONG", "SHORT"]
    assert venue.position("trader", PositionSide.LONG) == (0, 0)
    assert venue.position("trader", PositionSide.SHORT) == (0, 0)


def test_stop_loss_fires_before_liquidation_in_the_same_price_move() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_mark("28000")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "1", "27600")
    stop = order(
        "trader",
        Side.SELL,
        OrderType.STOP_MARKET,
        "1",
        stop="27700",
        reduce_only=True,
        working_type=WorkingType.MARK_PRICE,
    )
    assert venue.place(stop).rejection is None

    outcome = venue.set_mark("27100")  # past both the stop and the liquidation price

    assert len(of_type(outcome, OrderTriggered)) == 1
    assert liquidated(outcome) == []
    assert venue.position("trader") == (0, 0)
    assert venue.wallet("trader/BTCUSDT/BOTH") == 0  # released to cross after the close
    assert venue.wallet("trader") > raw("6985")


def test_whale_above_the_first_tiers_is_reduced_partly_and_keeps_the_rest() -> None:
    venue = feed_venue()
    venue.set_index("60000")
    venue.set_mark("60000")
    venue.open("whale", "700000")
    venue.open("seller", "10000000")
    venue.accept(SetLeverage("whale", BTC, 25))
    venue.accept(SetMarginType("whale", BTC, MarginType.ISOLATED))
    venue.trade("whale", "seller", "250", "60000")  # 15M notional: tier 5 (2%, cum 131,450)
    venue.set_mark("58500")
    venue.open("bidder", "10000000")
    venue.limit("bidder", Side.BUY, "100", "58200")

    outcome = venue.set_mark("58230")  # liq (15M - 600k - 131,450) / (250 x 0.98) = 58238.98

    (done,) = liquidated(outcome)
    assert done.partial
    assert 0 < done.filled < raw("250")
    quantity, _ = venue.position("whale")
    assert quantity == raw("250") - done.filled
    target = unit(venue.engine.venue, ("whale/BTCUSDT/BOTH", "USDT"))
    assert target is not None
    assert not unit_figures(venue.engine.venue, target).is_breached


def test_user_cannot_place_the_venues_own_order_types() -> None:
    venue = feed_venue()
    venue.open("trader")
    for kind in (OrderType.LIQUIDATION, OrderType.ADL, OrderType.INSURANCE_FUND):
        outcome = venue.place(order("trader", Side.SELL, kind, "1", "30000"))
        assert outcome.rejection is not None


def test_fund_unwinds_what_it_took_over_into_the_book_never_below_the_mark() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_mark("27100")  # nobody bids: the fund takes 1 BTC over at 27,000
    assert venue.position(FUND) == (raw("1"), raw("27000"))
    venue.set_mark("27200")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "1", "27250")

    outcome = venue.advance_to(venue.clock_ms + 5_000)  # the next sample tick

    fund_fills = [(t.price, t.quantity) for t in of_type(outcome, OrderTraded) if t.account == FUND]
    assert fund_fills == [(raw("27250"), raw("0.1"))]  # 10% per tick, at the bid above the mark
    assert venue.position(FUND)[0] == raw("0.9")
    assert fund_wallet(venue) == raw(SEED) + raw("25")  # 0.1 x (27,250 - 27,000)


def test_fund_below_zero_balance_is_deleveraged_at_its_bankruptcy_price() -> None:
    config = VenueConfig(
        mark_source=PriceSource.FEED,
        insurance=InsuranceConfig(seed=raw("2000"), capacity_rate=raw("5")),
    )
    venue = Exchange(config)
    venue.set_index("30000")
    venue.set_mark("30000")
    isolated_long(venue, quantity="0.3")  # seller: short 0.3
    venue.set_mark("27100")  # taken over: 0.3 at 27,000 (8,100 within 5 x 2,000)
    assert venue.position(FUND) == (raw("0.3"), raw("27000"))

    outcome = venue.set_mark("20000")  # the fund is worth 2,000 - 0.3 x 7,000 < 0

    (adl,) = of_type(outcome, AutoDeleveraged)
    # the fund's bankruptcy price: 27,000 - 2,000 / 0.3 = 20,333.33333334 (rounded up)
    assert (adl.account, adl.quantity, adl.price) == ("seller", raw("0.3"), raw("20333.33333334"))
    assert venue.position(FUND) == (0, 0)
    assert fund_wallet(venue) >= 0
