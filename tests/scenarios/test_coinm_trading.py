"""COIN-M (inverse) trading in the engine: BTCUSD_PERP, margined and settled in BTC.

One contract is 100 USD; quantities are whole contracts. At a price ``P`` a position of ``q``
contracts is worth ``q * 100 / P`` BTC; its PnL from entry ``E`` is ``q * 100 * (1/E - 1/P)``
BTC; commission, initial margin and funding are taken on that coin notional. The hand
calculations sit beside each assertion; amounts are raw 10**-8 BTC.
"""

from __future__ import annotations

from liquidator.core.engine import Outcome
from liquidator.core.exchange.commands import (
    Deposit,
    ModifyIsolatedMargin,
    OpenAccount,
    SetFundingRate,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
    SetPositionMode,
    Withdraw,
)
from liquidator.core.exchange.events import OrderTraded, RejectReason
from liquidator.core.exchange.ledger import FEES, FUNDING
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import MARKET_MAKER, PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.pretrade import cross_figures
from liquidator.core.money.fixed import Amount, Price, Rate
from tests.scenarios.venue import EIGHT_HOURS_MS, START_MS, Exchange, of_type, order, raw

PERP = "BTCUSD_PERP"
BTC = "BTC"
FED = VenueConfig(mark_source=PriceSource.FEED, funding_source=PriceSource.FEED)


def coin_exchange(*accounts: str, mark: str = "50000", deposit: str = "1") -> Exchange:
    """Return a venue with BTCUSD_PERP's index and mark at ``mark`` and BTC-funded accounts."""
    venue = Exchange(FED)
    venue.accept(SetIndexPrice(PERP, Price.of(mark)))
    venue.accept(SetMarkPrice(PERP, Price.of(mark)))
    for account in accounts:
        venue.accept(OpenAccount(account))
        venue.accept(Deposit(account, Amount.of(deposit, BTC)))
    return venue


def btc(venue: Exchange, ledger_account: str) -> int:
    return venue.engine.venue.ledger.balance(ledger_account, BTC)


def contracts(
    venue: Exchange,
    account: str,
    side: Side,
    quantity: str,
    price: str,
    *,
    position_side: PositionSide = PositionSide.BOTH,
) -> Outcome:
    """Place a GTC LIMIT order for ``quantity`` contracts that must be accepted."""
    return venue.accept(
        order(
            account,
            side,
            OrderType.LIMIT,
            quantity,
            price,
            symbol=PERP,
            tif=TimeInForce.GTC,
            position_side=position_side,
        )
    )


def trade(venue: Exchange, buyer: str, seller: str, quantity: str, price: str) -> Outcome:
    contracts(venue, seller, Side.SELL, quantity, price)
    return contracts(venue, buyer, Side.BUY, quantity, price)


def position(
    venue: Exchange, account: str, side: PositionSide = PositionSide.BOTH
) -> tuple[int, int, int]:
    """Return (contracts raw, cost in 10**-16 BTC, entry price raw)."""
    held = venue.engine.venue.accounts[account].find_position(PERP, side)
    assert held is not None
    tiers = venue.engine.venue.symbols[PERP].tiers
    return held.quantity, held.cost, tiers.entry_price(held.quantity, held.cost)


def test_the_venue_lists_btcusd_perp_margined_in_btc() -> None:
    venue = coin_exchange()
    state = venue.engine.venue.symbols[PERP]
    assert state.instrument.margin_asset == BTC
    assert state.tiers.is_inverse
    assert venue.engine.venue.assets[PERP] == BTC


def test_a_fill_opens_contracts_at_coin_cost_and_charges_commission_in_btc() -> None:
    venue = coin_exchange("alice", "bob")
    taken = trade(venue, "alice", "bob", "10", "50000")

    # 10 contracts x 100 USD / 50000 = 0.02 BTC notional
    assert position(venue, "alice") == (raw("10"), 2 * 10**14, raw("50000"))
    assert position(venue, "bob") == (-raw("10"), -2 * 10**14, raw("50000"))
    # taker 0.05% of 0.02 BTC = 0.00001 BTC; maker 0.02% = 0.000004 BTC
    traded = [t for t in of_type(taken, OrderTraded) if t.account == "alice"]
    assert [(t.commission, t.commission_asset) for t in traded] == [(raw("0.00001"), BTC)]
    assert btc(venue, "alice") == raw("1") - raw("0.00001")
    assert btc(venue, "bob") == raw("1") - raw("0.000004")
    assert btc(venue, FEES) == raw("0.000014")


def test_the_entry_price_is_the_contract_weighted_harmonic_mean() -> None:
    venue = coin_exchange("alice", "bob")
    trade(venue, "alice", "bob", "10", "50000")
    trade(venue, "alice", "bob", "10", "40000")

    # cost 0.02 + 0.025 = 0.045 BTC for 20 contracts: E = 2000 / 0.045 = 44444.444...
    quantity, cost, entry = position(venue, "alice")
    assert (quantity, cost) == (raw("20"), 45 * 10**13)
    assert entry == raw("44444.44444444")


def test_closing_realizes_coin_pnl_from_the_inverse_formula() -> None:
    venue = coin_exchange("alice", "bob")
    trade(venue, "alice", "bob", "10", "50000")
    venue.accept(SetMarkPrice(PERP, Price.of("40000")))
    before = btc(venue, "alice")

    closed = trade(venue, "bob", "alice", "10", "40000")  # alice sells 10 at 40000 (maker)

    # PnL = 10 x 100 x (1/50000 - 1/40000) = 1000 x -0.000005 = -0.005 BTC
    ours = [t for t in of_type(closed, OrderTraded) if t.account == "alice"]
    assert [t.realized_pnl for t in ours] == [-raw("0.005")]
    # maker 0.02% of 10 x 100 / 40000 = 0.025 BTC -> 0.000005 BTC
    assert btc(venue, "alice") == before - raw("0.005") - raw("0.000005")
    assert position(venue, "alice")[:2] == (0, 0)


def test_a_short_gains_coin_when_the_price_falls() -> None:
    venue = coin_exchange("alice", "bob")
    trade(venue, "bob", "alice", "7", "30000")  # alice short 7 at 30000
    closed = trade(venue, "alice", "bob", "7", "20000")  # alice buys back at 20000 (taker)

    # -7 x 100 x (1/30000 - 1/20000) = -700 x -0.0000166666... = 0.011666666... BTC, floored
    ours = [t for t in of_type(closed, OrderTraded) if t.account == "alice"]
    assert [t.realized_pnl for t in ours] == [raw("0.01166666")]


def test_unrealized_pnl_and_initial_margin_count_in_the_cross_figures() -> None:
    venue = coin_exchange("alice", "bob")
    trade(venue, "alice", "bob", "10", "50000")
    venue.accept(SetMarkPrice(PERP, Price.of("40000")))

    state = venue.engine.venue
    figures = cross_figures(state, state.accounts["alice"], BTC)
    # 10 x 100 x (1/50000 - 1/40000) = -0.005 BTC; IM = 0.025 BTC / 20 = 0.00125 BTC
    assert figures.unrealized == -raw("0.005")
    assert figures.position_margin == raw("0.00125")
    assert figures.available == raw("1") - raw("0.00001") - raw("0.005") - raw("0.00125")


def test_an_order_the_coin_wallet_cannot_carry_is_refused() -> None:
    venue = coin_exchange("alice", deposit="0.01")
    venue.accept(OpenAccount("bob"))
    venue.accept(Deposit("bob", Amount.of("1", BTC)))
    contracts(venue, "bob", Side.SELL, "1000", "50000")
    # 1000 contracts at 50000 = 2 BTC notional; at 20x 0.1 BTC of margin > 0.01 BTC
    venue.reject(
        order("alice", Side.BUY, OrderType.LIMIT, "1000", "50000", symbol=PERP),
        RejectReason.INSUFFICIENT_MARGIN,
    )
    # 80 contracts = 0.16 BTC, 0.008 BTC at 20x, 0.00008 BTC fee: fits
    contracts(venue, "alice", Side.BUY, "80", "50000")
    assert position(venue, "alice")[0] == raw("80")


def test_the_leverage_cap_is_in_coin_notional() -> None:
    venue = coin_exchange("alice", deposit="100")
    # the reconstructed table caps 125x at 5 BTC: 2600 contracts at 50000 = 5.2 BTC
    venue.accept(SetLeverage("alice", PERP, 125))
    venue.reject(
        order("alice", Side.BUY, OrderType.LIMIT, "2600", "50000", symbol=PERP),
        RejectReason.MAX_NOTIONAL_EXCEEDED,
    )
    contracts(venue, "alice", Side.BUY, "2500", "50000")  # 5 BTC: within


def test_isolated_position_takes_coin_margin_and_returns_it_on_close() -> None:
    venue = coin_exchange("alice", "bob")
    venue.accept(SetMarginType("alice", PERP, MarginType.ISOLATED))
    venue.accept(SetLeverage("alice", PERP, 10))
    trade(venue, "alice", "bob", "10", "50000")
    wallet = "alice/BTCUSD_PERP/BOTH"

    # 0.02 BTC / 10 = 0.002 BTC moved into the isolated wallet
    assert btc(venue, wallet) == raw("0.002")
    venue.accept(
        ModifyIsolatedMargin("alice", PERP, PositionSide.BOTH, Amount.of("0.001", BTC), add=True)
    )
    assert btc(venue, wallet) == raw("0.003")

    trade(venue, "bob", "alice", "10", "50000")
    assert btc(venue, wallet) == 0
    # back to 1 BTC less the taker fee (0.00001) and the maker fee on the close (0.000004)
    assert btc(venue, "alice") == raw("1") - raw("0.00001") - raw("0.000004")


def test_hedge_mode_holds_both_sides_in_contracts() -> None:
    venue = coin_exchange("alice", "bob")
    venue.accept(SetPositionMode("alice", hedge=True))
    contracts(venue, "bob", Side.SELL, "5", "50000")
    contracts(venue, "alice", Side.BUY, "5", "50000", position_side=PositionSide.LONG)
    contracts(venue, "bob", Side.BUY, "3", "50000")
    contracts(venue, "alice", Side.SELL, "3", "50000", position_side=PositionSide.SHORT)

    assert position(venue, "alice", PositionSide.LONG)[0] == raw("5")
    assert position(venue, "alice", PositionSide.SHORT)[0] == -raw("3")


def test_funding_is_paid_in_coin_on_the_coin_notional() -> None:
    venue = coin_exchange("long", "short")
    trade(venue, "long", "short", "10", "50000")
    venue.accept(SetFundingRate(PERP, Rate.of("0.0001")))
    long_before, short_before = btc(venue, "long"), btc(venue, "short")

    venue.advance_to(START_MS + EIGHT_HOURS_MS)

    # 10 x 100 / 50000 x 0.0001 = 0.000002 BTC
    assert btc(venue, "long") == long_before - raw("0.000002")
    assert btc(venue, "short") == short_before + raw("0.000002")
    assert btc(venue, FUNDING) == 0


def test_withdrawal_of_btc_is_limited_by_the_coin_margin() -> None:
    venue = coin_exchange("alice", "bob", deposit="0.01")
    trade(venue, "alice", "bob", "80", "50000")  # 0.16 BTC notional, 0.008 BTC margin

    free = raw("0.01") - raw("0.00008") - raw("0.008")
    venue.reject(Withdraw("alice", Amount.of("0.002", BTC)), RejectReason.INSUFFICIENT_BALANCE)
    venue.accept(Withdraw("alice", Amount(free, BTC)))


def test_the_market_maker_quotes_btcusd_perp_in_whole_contracts() -> None:
    venue = Exchange(VenueConfig(market_maker=MarketMakerConfig(levels=2)))
    venue.accept(SetIndexPrice(PERP, Price.of("50000")))

    book = venue.engine.venue.symbols[PERP].book
    asks, bids = book.asks.depth(), book.bids.depth()
    assert asks
    assert bids
    # 1 BTC of depth at 50000 = 500 contracts at the best level
    assert bids[0][1] == raw("500")
    assert all(quantity % raw("1") == 0 for _, quantity in asks + bids)
    maker = venue.engine.venue.accounts[MARKET_MAKER]
    assert PERP in maker.symbols

    venue.accept(OpenAccount("alice"))
    venue.accept(Deposit("alice", Amount.of("1", BTC)))
    taken = venue.accept(order("alice", Side.BUY, OrderType.MARKET, "20", symbol=PERP))
    bought = [t.quantity for t in of_type(taken, OrderTraded) if t.account == "alice"]
    assert sum(bought) == raw("20")
