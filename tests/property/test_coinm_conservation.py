"""COIN-M liquidations conserve every asset, leave nobody breached and no fund negative.

Random BTCUSD_PERP books: traders open long or short contracts at 50,000 against a deep-pocketed
counterparty, isolated or cross, one-way or hedge, at random leverage; a bidder may rest some
liquidity; then the mark jumps anywhere from a 40% crash to a 40% rally and the waterfall runs
(partial steps, fills, the fund taking over, ADL). After every command:

* the ledger balances per asset, and the BTC inside the venue (wallets, isolated wallets, the
  fund, fees, settlement) is what was deposited, less what was withdrawn;
* no insurance fund wallet is negative;
* after the crash, no unit with a position is left breached at the mark.
"""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from liquidator.core.exchange.commands import (
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
    SetPositionMode,
)
from liquidator.core.exchange.events import PositionLiquidated
from liquidator.core.exchange.ledger import EXTERNAL
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty
from liquidator.core.risk.insurance_groups import FUND_PREFIX, InsuranceConfig
from liquidator.core.risk.venue_units import unit, unit_figures, unit_key
from tests.scenarios.venue import Exchange, of_type

PERP = "BTCUSD_PERP"
BTC = "BTC"
TRADER = st.tuples(
    st.booleans(),  # long
    st.one_of(st.integers(1, 4_000), st.integers(10_000, 20_000)),  # contracts (up to 40 BTC)
    st.integers(1, 50),  # leverage
    st.booleans(),  # isolated
    st.booleans(),  # hedge mode
    st.integers(1, 5_000),  # deposit, in 0.001 BTC
)


def place(
    venue: Exchange, account: str, side: Side, contracts: int, price: str, hedge_side: PositionSide
) -> None:
    venue.handle(
        PlaceOrder(
            account,
            PERP,
            side,
            OrderType.LIMIT,
            quantity=Qty(contracts * SCALE),
            price=Price.of(price),
            time_in_force=TimeInForce.GTC,
            position_side=hedge_side,
        )
    )


def btc_inside(venue: Exchange) -> int:
    return -venue.engine.venue.ledger.balance(EXTERNAL, BTC)


@settings(max_examples=100, deadline=None)
@given(
    traders=st.lists(TRADER, min_size=1, max_size=4),
    seed=st.sampled_from(("0", "0.05", "100")),
    bid=st.integers(0, 6_000),
    bid_price=st.integers(30_000, 50_000),
    move=st.one_of(st.integers(-4_000, -300), st.integers(300, 4_000)),  # bps of the mark
)
def test_coinm_crash_conserves_btc_and_leaves_nobody_breached(
    traders: list[tuple[bool, int, int, bool, bool, int]],
    seed: str,
    bid: int,
    bid_price: int,
    move: int,
) -> None:
    # a fund of ``seed`` BTC: worth seed x 50,000 USDT at 50,000 USDT per BTC
    insurance = InsuranceConfig(
        seed=Price.of(seed).raw * 50_000, seed_prices=((BTC, Price.of("50000").raw),)
    )
    config = VenueConfig(mark_source=PriceSource.FEED, insurance=insurance)
    venue = Exchange(config)
    venue.handle(SetIndexPrice(PERP, Price.of("50000")))
    venue.handle(SetMarkPrice(PERP, Price.of("50000")))
    deposited = btc_inside(venue)
    for name, amount in (("house", "1000"), ("bidder", "1000")):
        venue.handle(OpenAccount(name))
        venue.handle(Deposit(name, Amount.of(amount, BTC)))
        deposited += Amount.of(amount, BTC).raw
    for number, trader in enumerate(traders):
        deposited += open_trader(venue, f"t{number}", trader)
    if bid:
        place(venue, "bidder", Side.BUY, bid, f"{bid_price}", PositionSide.BOTH)
        place(venue, "bidder", Side.SELL, bid, f"{100_000 - bid_price}", PositionSide.BOTH)
    assert btc_inside(venue) == deposited

    mark = 50_000 * SCALE * (10_000 + move) // 10_000
    mark -= mark % (SCALE // 10)
    outcome = venue.handle(SetMarkPrice(PERP, Price(mark)))
    for done in of_type(outcome, PositionLiquidated):
        event("partial" if done.partial else "full")
        event("taken over" if done.taken_over else "no takeover")
        event("deleveraged" if done.deleveraged else "no ADL")

    assert btc_inside(venue) == deposited  # every BTC moved inside the venue
    assert_funds_not_negative(venue)
    assert_nobody_breached(venue)


def open_trader(venue: Exchange, name: str, trader: tuple[bool, int, int, bool, bool, int]) -> int:
    """Open, fund and set ``name`` up, then trade its position against the house; its deposit."""
    long, contracts, leverage, isolated, hedge, deposit = trader
    venue.handle(OpenAccount(name))
    venue.handle(Deposit(name, Amount(deposit * SCALE // 1000, BTC)))
    if hedge:
        venue.handle(SetPositionMode(name, hedge=True))
    venue.handle(SetLeverage(name, PERP, leverage))
    if isolated:
        venue.handle(SetMarginType(name, PERP, MarginType.ISOLATED))
    side = Side.BUY if long else Side.SELL
    mine = (PositionSide.LONG if long else PositionSide.SHORT) if hedge else PositionSide.BOTH
    place(venue, "house", side.opposite, contracts, "50000", PositionSide.BOTH)
    place(venue, name, side, contracts, "50000", mine)
    return deposit * SCALE // 1000


def assert_funds_not_negative(venue: Exchange) -> None:
    for (ledger_account, asset), balance in venue.engine.venue.ledger.items():
        if ledger_account.startswith(FUND_PREFIX):
            assert balance >= 0, (ledger_account, asset, balance)


def assert_nobody_breached(venue: Exchange) -> None:
    state = venue.engine.venue
    for account in state.accounts.values():
        for position in account.open_positions():
            target = unit(state, unit_key(state, account, position))
            if target is None or target.account.is_system:
                continue
            assert not unit_figures(state, target).is_breached, target.wallet_key
