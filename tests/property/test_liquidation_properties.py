"""Properties of liquidation and bankruptcy prices, checked against an independent exact oracle.

The oracle (``exact_surplus``) is written here from the textbook formulas, not from the library:
margin balance minus maintenance margin, exactly, with maintenance margin taken as the maximum
of ``notional·mmr − cum`` over all brackets (a continuous table with rising rates is convex, so
that maximum is the bracket holding the notional).

For every single position the surplus is strictly monotone in the mark price, so the exact
liquidation price P* is unique and the library's rounding "toward the safe side" means:

    surplus(P) >= 0  and  surplus(one raw unit past P in the trigger direction) < 0.

Binance's rounded figures then satisfy ``-2e-8 < balance − MM <= surplus(P) − surplus(P')``:
the floor of the PnL and the ceiling of the maintenance margin each cost under one raw unit.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.contracts.instrument import ContractKind, Instrument
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import AccountRisk, PositionRisk, assess_account
from liquidator.core.margin.liquidation_price import Direction, TriggerPrice
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.margin.position_margin import opening_margin
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty

UNIT = Fraction(1, SCALE)
#: Entry prices 1000.00 .. 200000.00, as raw units of 1e-8 (two decimals).
ENTRY_CENTS = st.integers(100_000, 20_000_000)
CENT = 10**6

SINGLE_CASES = [
    pytest.param("BTCUSDT", 1, id="BTCUSDT-long"),
    pytest.param("BTCUSDT", -1, id="BTCUSDT-short"),
    pytest.param("ETHUSDT", 1, id="ETHUSDT-long"),
    pytest.param("BTCUSD_PERP", 1, id="BTCUSD_PERP-long"),
    pytest.param("BTCUSD_PERP", -1, id="BTCUSD_PERP-short"),
]
LINEAR_AND_INVERSE = [p for p in SINGLE_CASES if p.id != "ETHUSDT-long"]


# --- independent exact oracle -------------------------------------------------------------------


def exact_value(instrument: Instrument, quantity: Fraction, price: Fraction) -> Fraction:
    """Signed value in the margin asset: ``q·P`` (linear) or ``q·CS/P`` (inverse)."""
    if instrument.kind is ContractKind.LINEAR:
        return quantity * price
    return quantity * instrument.contract_size / price


def exact_pnl(position: Position, price: Fraction) -> Fraction:
    """``q·(P − E)`` (linear) or ``q·CS·(1/E − 1/P)`` (inverse), in the margin asset."""
    instrument = position.instrument
    quantity = position.quantity.fraction
    entry = position.entry_price.fraction
    if instrument.kind is ContractKind.LINEAR:
        return quantity * (price - entry)
    return exact_value(instrument, quantity, entry) - exact_value(instrument, quantity, price)


def exact_maintenance(table: BracketTable, notional: Fraction) -> Fraction:
    return max(
        notional * b.maintenance_margin_rate.fraction - b.maintenance_amount.fraction
        for b in table.brackets
    )


def exact_surplus(
    wallet: Fraction, positions: tuple[Position, ...], table: BracketTable, price: Fraction
) -> Fraction:
    """Margin balance minus maintenance margin of ``positions`` at mark ``price``, exactly."""
    surplus = wallet
    for position in positions:
        notional = abs(exact_value(position.instrument, position.quantity.fraction, price))
        surplus += exact_pnl(position, price) - exact_maintenance(table, notional)
    return surplus


def one_unit_past(trigger: TriggerPrice) -> Price:
    """The price one raw unit further in the direction that reaches ``trigger``."""
    step = -1 if trigger.direction is Direction.FALLING else 1
    return Price(trigger.price.raw + step)


def safe_direction(direction: int) -> Direction:
    """A long is liquidated by a falling mark, a short by a rising one."""
    return Direction.FALLING if direction > 0 else Direction.RISING


# --- generators ---------------------------------------------------------------------------------


def quantity_steps(instrument: Instrument) -> st.SearchStrategy[int]:
    if instrument.is_inverse:
        return st.integers(1, 200_000)
    return st.one_of(st.integers(1, 2000), st.integers(1, 1_000_000))


@st.composite
def opened_positions(
    draw: st.DrawFn,
    instrument: Instrument,
    table: BracketTable,
    direction: int,
    side: PositionSide = PositionSide.BOTH,
) -> Position:
    """An isolated position at an allowed leverage whose wallet covers its opening margin."""
    quantity = Qty(direction * draw(quantity_steps(instrument)) * instrument.step_size.raw)
    entry = Price(draw(ENTRY_CENTS) * CENT)
    notional = abs(exact_value(instrument, quantity.fraction, entry.fraction))
    leverage = draw(st.integers(1, table.max_leverage_at(notional)))
    asset = instrument.margin_asset
    sketch = Position(
        instrument, side, quantity, entry, entry, MarginType.ISOLATED, leverage, Amount.zero(asset)
    )
    opening = opening_margin(sketch)
    extra = draw(st.one_of(st.integers(0, 1000), st.integers(0, 2 * opening.raw)))
    return replace(sketch, isolated_wallet=opening + Amount(extra, asset))


def wallet_of(position: Position) -> Amount:
    assert position.isolated_wallet is not None
    return position.isolated_wallet


def as_cross(position: Position) -> Position:
    return replace(position, margin_type=MarginType.CROSS, isolated_wallet=None)


def assess_isolated(position: Position, market: Market) -> PositionRisk:
    account = Account(Amount.zero(position.margin_asset), (position,))
    return assess_account(account, market.brackets).positions[0]


def isolated_gap(risk: PositionRisk) -> Fraction:
    """Rounded isolated margin balance minus rounded maintenance margin."""
    balance = wallet_of(risk.position) + risk.margin.unrealized_pnl
    return (balance - risk.margin.maintenance_margin).fraction


def cross_gap(risk: AccountRisk) -> Fraction:
    """Rounded cross margin balance minus rounded cross maintenance margin."""
    return (risk.cross_margin_balance - risk.cross_maintenance_margin).fraction


def draw_position(
    data: st.DataObject, market: Market, symbol: str, direction: int
) -> tuple[BracketTable, Position]:
    """Draw an opened isolated position of ``symbol``; return it with its bracket table."""
    table = market.brackets[symbol]
    return table, data.draw(opened_positions(market.instruments[symbol], table, direction))


# --- a. the reported price is where balance meets maintenance -----------------------------------


@pytest.mark.parametrize(("symbol", "direction"), SINGLE_CASES)
@given(data=st.data())
def test_isolated_position_revalued_at_its_liquidation_price_sits_on_maintenance(
    market: Market, symbol: str, direction: int, data: st.DataObject
) -> None:
    # Arrange
    table, position = draw_position(data, market, symbol, direction)
    wallet = wallet_of(position).fraction
    entry = position.entry_price.fraction

    # Act
    liquidation = assess_isolated(position, market).liquidation

    # Assert
    trigger = liquidation.trigger
    assert not liquidation.at_any_price
    # The mark can run without bound only toward P→0 for a linear long and P→∞ for an inverse
    # short; there the notional (and so maintenance) vanishes and the loss tends to the value
    # at entry. Such a position is never liquidated exactly when its wallet covers that loss.
    bounded_loss = position.instrument.is_inverse != (direction > 0)
    loss_at_the_limit = abs(exact_value(position.instrument, position.quantity.fraction, entry))
    assert (trigger is None) == (bounded_loss and wallet >= loss_at_the_limit)
    event("liquidation price", "none" if trigger is None else "found")
    if trigger is None:
        return
    assert trigger.direction is safe_direction(direction)
    past = one_unit_past(trigger)
    surplus_at = exact_surplus(wallet, (position,), table, trigger.price.fraction)
    surplus_past = exact_surplus(wallet, (position,), table, past.fraction)
    assert surplus_at >= 0, "the reported price is on the unsafe side of the exact one"
    assert surplus_past < 0, "the reported price is more than one unit before the exact one"

    at_price = assess_isolated(replace(position, mark_price=trigger.price), market)
    past_price = assess_isolated(replace(position, mark_price=past), market)
    assert -2 * UNIT < isolated_gap(at_price) <= surplus_at - surplus_past
    assert isolated_gap(past_price) < 0
    ratio = past_price.isolated_margin_ratio()
    assert ratio is None or ratio.fraction >= 1


# --- b. which side of the entry, and the effect of more wallet -----------------------------------


@pytest.mark.parametrize(("symbol", "direction"), LINEAR_AND_INVERSE)
@given(data=st.data())
def test_liquidation_price_lies_on_the_losing_side_of_the_entry(
    market: Market, symbol: str, direction: int, data: st.DataObject
) -> None:
    # Arrange
    _table, position = draw_position(data, market, symbol, direction)

    # Act
    price = assess_isolated(position, market).liquidation.price

    # Assert
    if price is None:
        return
    if direction > 0:
        assert price < position.entry_price
    else:
        assert price > position.entry_price


@pytest.mark.parametrize(("symbol", "direction"), LINEAR_AND_INVERSE)
@given(data=st.data())
def test_adding_to_an_isolated_wallet_moves_the_liquidation_price_away(
    market: Market, symbol: str, direction: int, data: st.DataObject
) -> None:
    # Arrange
    table, position = draw_position(data, market, symbol, direction)
    asset = position.margin_asset
    added = Amount(data.draw(st.integers(0, 10**8 * 10**4), label="added raw"), asset)
    topped_up = replace(position, isolated_wallet=wallet_of(position) + added)

    # Act
    before = assess_isolated(position, market).liquidation.trigger
    after = assess_isolated(topped_up, market).liquidation.trigger

    # Assert
    if before is None:
        assert after is None, "a position that cannot be liquidated became liquidatable"
        return
    if after is None:
        return  # the top-up made it unliquidatable
    gained_a_unit = (
        exact_surplus(
            wallet_of(topped_up).fraction, (topped_up,), table, one_unit_past(before).fraction
        )
        >= 0
    )
    event("one more unit of safety", str(gained_a_unit))
    if direction > 0:
        assert after.price <= before.price
        if gained_a_unit:
            assert after.price < before.price
    else:
        assert after.price >= before.price
        if gained_a_unit:
            assert after.price > before.price


# --- c. one cross position behaves like an isolated one with the same wallet ---------------------


@pytest.mark.parametrize(("symbol", "direction"), LINEAR_AND_INVERSE)
@given(data=st.data())
def test_single_cross_position_matches_isolated_with_the_same_wallet(
    market: Market, symbol: str, direction: int, data: st.DataObject
) -> None:
    # Arrange
    table = market.brackets[symbol]
    isolated = data.draw(opened_positions(market.instruments[symbol], table, direction))
    wallet = wallet_of(isolated)
    mark = Price(data.draw(ENTRY_CENTS, label="mark cents") * CENT)
    isolated = replace(isolated, mark_price=mark)
    cross_account = Account(wallet, (as_cross(isolated),))
    isolated_account = Account(Amount.zero(wallet.asset), (isolated,))

    # Act
    cross = assess_account(cross_account, market.brackets)
    alone = assess_account(isolated_account, market.brackets)

    # Assert
    cross_risk, isolated_risk = cross.positions[0], alone.positions[0]
    assert cross_risk.liquidation.trigger == isolated_risk.liquidation.trigger
    assert cross_risk.liquidation.at_any_price == isolated_risk.liquidation.at_any_price
    assert cross_risk.bankruptcy == isolated_risk.bankruptcy
    assert cross.margin_ratio == isolated_risk.isolated_margin_ratio()


# --- d. bankruptcy lies beyond liquidation ------------------------------------------------------


@pytest.mark.parametrize(("symbol", "direction"), LINEAR_AND_INVERSE)
@given(data=st.data())
def test_bankruptcy_price_lies_beyond_the_liquidation_price(
    market: Market, symbol: str, direction: int, data: st.DataObject
) -> None:
    # Arrange
    _table, position = draw_position(data, market, symbol, direction)

    # Act
    risk = assess_isolated(position, market)

    # Assert
    liquidation, bankruptcy = risk.liquidation.trigger, risk.bankruptcy
    event("both prices exist", str(liquidation is not None and bankruptcy is not None))
    if liquidation is None or bankruptcy is None:
        return
    assert bankruptcy.direction is liquidation.direction is safe_direction(direction)
    if direction > 0:
        assert bankruptcy.price < liquidation.price
    else:
        assert bankruptcy.price > liquidation.price


# --- e. cross hedge: one price for both legs, where balance meets maintenance --------------------


@given(data=st.data())
def test_cross_hedge_legs_share_a_liquidation_price_where_balance_meets_maintenance(
    market: Market, data: st.DataObject
) -> None:
    # Arrange
    instrument, table = market.instruments["BTCUSDT"], market.brackets["BTCUSDT"]
    long = data.draw(opened_positions(instrument, table, 1, PositionSide.LONG), label="long")
    short = data.draw(opened_positions(instrument, table, -1, PositionSide.SHORT), label="short")
    leverage = min(long.leverage, short.leverage)
    long, short = replace(long, leverage=leverage), replace(short, leverage=leverage)
    wallet = opening_margin(long) + opening_margin(short)
    wallet += Amount(data.draw(st.integers(0, 10**8 * 10**5), label="extra raw"), "USDT")
    mark = Price(data.draw(ENTRY_CENTS, label="mark cents") * CENT)
    legs = (
        replace(as_cross(long), mark_price=mark),
        replace(as_cross(short), mark_price=mark),
    )
    account = Account(wallet, legs)

    # Act
    risk = assess_account(account, market.brackets)

    # Assert
    long_risk, short_risk = risk.positions
    assert long_risk.liquidation == short_risk.liquidation
    assert long_risk.bankruptcy == short_risk.bankruptcy
    trigger = long_risk.liquidation.trigger
    event("hedge liquidation", "none" if trigger is None else trigger.direction.value)
    if trigger is None:
        return
    past = one_unit_past(trigger)
    surplus_at = exact_surplus(wallet.fraction, legs, table, trigger.price.fraction)
    surplus_past = exact_surplus(wallet.fraction, legs, table, past.fraction)
    assert surplus_at >= 0
    assert surplus_past < 0

    at_price = assess_account(
        Account(wallet, tuple(replace(leg, mark_price=trigger.price) for leg in legs)),
        market.brackets,
    )
    past_price = assess_account(
        Account(wallet, tuple(replace(leg, mark_price=past) for leg in legs)), market.brackets
    )
    assert -4 * UNIT < cross_gap(at_price) <= surplus_at - surplus_past
    assert cross_gap(past_price) < 0
    assert past_price.is_liquidatable()
