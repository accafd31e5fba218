"""COIN-M liquidation: a BTCUSD_PERP long margined in BTC, liquidated when BTC falls.

Hand calculation (binance-mechanics §4, single position): 100 contracts (100 USD each) long at
50,000, 10x isolated: notional 10,000 / 50,000 = 0.2 BTC, isolated wallet 0.02 BTC. Tier 1 of
the COIN-M table: MMR 0.4%, cum 0. Liquidation price ``N x CS x (MMR + 1) / (W + N x CS / E)
= 10,040 / 0.22 = 45,636.36``; bankruptcy price ``10,000 / 0.22 = 45,454.545...`` (the
liquidation order's price rounds it up to the tick: 45,454.6). Amounts are raw 10**-8 BTC.
"""

from __future__ import annotations

from liquidator.core.engine import Outcome
from liquidator.core.exchange.commands import (
    Deposit,
    OpenAccount,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
)
from liquidator.core.exchange.events import (
    AutoDeleveraged,
    LiquidationTriggered,
    PositionLiquidated,
)
from liquidator.core.exchange.ledger import EXTERNAL
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Amount, Price
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.core.risk.venue_units import unit, unit_figures
from tests.scenarios.venue import Exchange, of_type, order, raw

PERP = "BTCUSD_PERP"
BTC = "BTC"
FUND = "@insurance:shared"  # the fund group backing BTCUSD_PERP; its BTC wallet
WALLET = "trader/BTCUSD_PERP/BOTH"


def coin_venue(seed: str = "10") -> Exchange:
    """A BTCUSD_PERP venue at 50,000 whose fund opens with ``seed`` BTC: worth ``seed`` x 50,000
    USDT at a reference price of 50,000 USDT per BTC."""
    insurance = InsuranceConfig(seed=raw(seed) * 50_000, seed_prices=((BTC, raw("50000")),))
    config = VenueConfig(mark_source=PriceSource.FEED, insurance=insurance)
    venue = Exchange(config)
    venue.accept(SetIndexPrice(PERP, Price.of("50000")))
    mark(venue, "50000")
    return venue


def mark(venue: Exchange, price: str) -> Outcome:
    return venue.accept(SetMarkPrice(PERP, Price.of(price)))


def fund(venue: Exchange, name: str, amount: str) -> None:
    venue.accept(OpenAccount(name))
    venue.accept(Deposit(name, Amount.of(amount, BTC)))


def btc(venue: Exchange, ledger_account: str) -> int:
    return venue.engine.venue.ledger.balance(ledger_account, BTC)


def limit(venue: Exchange, account: str, side: Side, contracts: str, price: str) -> Outcome:
    return venue.accept(order(account, side, OrderType.LIMIT, contracts, price, symbol=PERP))


def isolated_long(
    venue: Exchange, contracts: str = "100", leverage: int = 10, deposit: str = "1"
) -> None:
    """``trader`` goes long ``contracts`` at 50,000, isolated, against ``seller``."""
    fund(venue, "trader", deposit)
    fund(venue, "seller", "10")
    venue.accept(SetLeverage("trader", PERP, leverage))
    venue.accept(SetMarginType("trader", PERP, MarginType.ISOLATED))
    limit(venue, "seller", Side.SELL, contracts, "50000")
    limit(venue, "trader", Side.BUY, contracts, "50000")


def held(venue: Exchange, account: str) -> int:
    position = venue.engine.venue.accounts[account].find_position(PERP, PositionSide.BOTH)
    return position.quantity if position is not None else 0


def btc_inside(venue: Exchange) -> int:
    """Every BTC the venue holds: wallets, funds, fees (what was deposited, less withdrawn)."""
    return -btc(venue, EXTERNAL)


def test_the_long_is_liquidated_at_its_inverse_liquidation_price_into_the_book() -> None:
    venue = coin_venue()
    isolated_long(venue)
    assert btc(venue, WALLET) == raw("0.02")
    fund(venue, "bidder", "10")
    limit(venue, "bidder", Side.BUY, "100", "45500")
    fund_before = btc(venue, FUND)

    assert of_type(mark(venue, "45637"), LiquidationTriggered) == []  # above 45,636.36
    outcome = mark(venue, "45636")

    (triggered,) = of_type(outcome, LiquidationTriggered)
    assert (triggered.wallet, triggered.asset) == (WALLET, BTC)
    (done,) = of_type(outcome, PositionLiquidated)
    assert (done.bankruptcy_price, done.filled, done.partial) == (raw("45454.6"), raw("100"), False)
    # sold at the bidder's 45,500: 10,000 x (1/50,000 - 1/45,500) = -0.01978021978 BTC, floored;
    # 0.02 - 0.01978022 = 0.00021978 left, all of it the clearance fee (the fee at the order's
    # price, 10,000 / 45,454.6 x 1.5% = 0.0033 BTC, is capped at the margin left)
    assert done.clearance_fee == raw("0.00021978")
    assert btc(venue, FUND) == fund_before + raw("0.00021978")
    assert btc(venue, WALLET) == 0
    assert held(venue, "trader") == 0
    assert held(venue, "bidder") == raw("100")


def test_the_fund_takes_over_at_the_bankruptcy_price_when_the_book_is_empty() -> None:
    venue = coin_venue()
    isolated_long(venue)
    cross_before = btc(venue, "trader")

    outcome = mark(venue, "45636")

    (done,) = of_type(outcome, PositionLiquidated)
    assert (done.filled, done.taken_over, done.deleveraged) == (0, raw("100"), 0)
    fund_account = venue.engine.venue.accounts[FUND]
    position = fund_account.find_position(PERP, PositionSide.BOTH)
    assert position is not None
    assert position.quantity == raw("100")
    tiers = venue.engine.venue.symbols[PERP].tiers
    assert tiers.entry_price(position.quantity, position.cost) == raw("45454.6")
    # closed at 45,454.6: 10,000 x (1/50,000 - 1/45,454.6) = -0.019999736 BTC, floored to
    # -0.01999974; the 0.00000026 left goes back to the cross wallet
    assert btc(venue, WALLET) == 0
    assert btc(venue, "trader") == cross_before + raw("0.00000026")


def test_adl_closes_the_short_when_the_fund_is_empty() -> None:
    venue = coin_venue(seed="0")
    isolated_long(venue)

    outcome = mark(venue, "45636")

    (done,) = of_type(outcome, PositionLiquidated)
    assert (done.filled, done.taken_over, done.deleveraged) == (0, 0, raw("100"))
    (adl,) = of_type(outcome, AutoDeleveraged)
    assert adl.account == "seller"
    assert held(venue, "seller") == 0
    assert held(venue, "trader") == 0


def test_a_large_long_is_partially_liquidated_down_the_coin_m_brackets() -> None:
    venue = coin_venue()
    # 12,000 contracts at 50,000 = 24 BTC: tier 4 (20-50 BTC, MMR 2.5%, cum 0.355 BTC), whose
    # rate exceeds the 1.5% fee (a partial step improves the unit); 20x: 1.2 BTC isolated
    isolated_long(venue, contracts="12000", leverage=20, deposit="2")
    fund(venue, "bidder", "100")
    limit(venue, "bidder", Side.BUY, "12000", "48100")
    inside = btc_inside(venue)

    # 1.2 + 24 - 1,200,000 / P = 30,000 / P - 0.355: liquidated at and below 48,131.5
    assert of_type(mark(venue, "48132"), PositionLiquidated) == []
    outcome = mark(venue, "48100")

    steps = of_type(outcome, PositionLiquidated)
    assert steps
    assert all(step.partial for step in steps)
    # the least whole contracts that make the unit compliant again, no further than tier 4's
    # floor of 20 BTC at the mark (9,620 contracts)
    left = held(venue, "trader")
    assert raw("9620") <= left < raw("12000")
    target = unit(venue.engine.venue, (WALLET, BTC))
    assert target is not None
    assert not unit_figures(venue.engine.venue, target).is_breached
    assert not of_type(outcome, AutoDeleveraged)
    assert btc_inside(venue) == inside  # BTC only moved inside the venue
