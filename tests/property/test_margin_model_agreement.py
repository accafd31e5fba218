"""The engine's integer margin figures agree with the calculator's exact ones.

On random accounts (linear USDⓈ-M and inverse COIN-M; isolated and cross; one-way and hedge),
positions are written into a live venue at their entry prices and valued at a mark, and the
same account is given to the calculator (``core.margin.account_risk.assess_account``). Stated
tolerance, always in the account's disfavour:

* linear: unrealized PnL, maintenance margin and margin balance agree exactly;
* inverse: the engine keeps the position's cost floored at 10**-16 coin and values it at the
  mark rounded up, so its PnL may be one raw unit (10**-8 coin) lower per position, its
  maintenance one unit higher, and the unit's margin balance lower by one unit per position;
* liquidation price of a position that is its own liquidation group (isolated, or the only
  position of its symbol in a cross account): the engine's price (the last mark at which its
  exact integer check fires, as ``read.account_figures`` reports it) is never on the safe side
  of the calculator's by more than one raw price unit, and at that price the calculator's own
  figures leave at most the engine's roundings (2 raw units per position) of margin above
  maintenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hypothesis import event, given, settings
from hypothesis import strategies as st

from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.commands import SetIndexPrice, SetMarkPrice
from liquidator.core.exchange.ledger import EXTERNAL, EntryKind
from liquidator.core.exchange.venue import PriceSource, Venue, VenueConfig
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import AccountRisk, assess_account
from liquidator.core.margin.liquidation_price import Direction
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.margin.unit import MAX_PRICE, boundary_price, position_figures
from liquidator.core.money.fixed import Amount, Price, Qty
from liquidator.core.money.scaled import SCALE
from liquidator.core.risk.venue_units import balance_without, unit, unit_figures, unit_key

LINEAR = ("BTCUSDT", "ETHUSDT")
INVERSE = ("BTCUSD_PERP",)
MARKS = {"BTCUSDT": 60_000, "ETHUSDT": 3_000, "BTCUSD_PERP": 60_000}  # whole USD
STEPS = {"BTCUSDT": 100_000, "ETHUSDT": 1_000_000, "BTCUSD_PERP": SCALE}
START_MS = 1_704_067_201_000


@cache
def market() -> Market:
    return bundled_market()


@dataclass(frozen=True)
class Held:
    """One generated position: symbol, side, signed raw quantity, entry and mark (raw)."""

    symbol: str
    side: PositionSide
    quantity: int
    entry: int
    mark: int
    leverage: int
    isolated_wallet: int  # raw; 0 for cross


@dataclass(frozen=True)
class Case:
    inverse: bool
    isolated: bool
    hedge: bool
    wallet: int  # the cross wallet, raw
    positions: tuple[Held, ...]

    @property
    def asset(self) -> str:
        return "BTC" if self.inverse else "USDT"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    inverse = draw(st.booleans())
    isolated = draw(st.booleans())
    hedge = draw(st.booleans())
    symbols = INVERSE if inverse else draw(st.sampled_from([LINEAR[:1], LINEAR[1:], LINEAR]))
    marks = {s: MARKS[s] * draw(st.integers(7_000, 13_000)) * SCALE // 10_000 for s in symbols}
    positions = []
    for symbol in symbols:
        sides = (PositionSide.LONG, PositionSide.SHORT) if hedge else (PositionSide.BOTH,)
        held = draw(st.lists(st.sampled_from(sides), min_size=1, max_size=len(sides), unique=True))
        leverage = draw(st.integers(1, 20))
        for side in held:
            sign = {PositionSide.LONG: 1, PositionSide.SHORT: -1}.get(side) or draw(
                st.sampled_from((1, -1))
            )
            steps = draw(st.integers(1, 3_000 if inverse else 20_000))
            entry = MARKS[symbol] * draw(st.integers(8_000, 12_000)) * SCALE // 10_000
            entry -= entry % 10**7  # on BTCUSD_PERP's tick (0.1)
            wallet = draw(st.integers(1, 10**6)) * (10**3 if inverse else 10**5) if isolated else 0
            positions.append(
                Held(
                    symbol,
                    side,
                    sign * steps * STEPS[symbol],
                    entry,
                    marks[symbol],
                    leverage,
                    wallet,
                )
            )
    wallet = draw(st.integers(0, 10**8)) * (10**2 if inverse else 10**4)
    return Case(inverse, isolated, hedge, wallet, tuple(positions))


def venue_of(case: Case) -> tuple[Venue, AccountState]:
    """Write the case's account into a venue with the marks fed (as a snapshot restore would)."""
    engine = Engine(market(), VenueConfig(mark_source=PriceSource.FEED))
    for held in case.positions:
        engine.handle(SetIndexPrice(held.symbol, Price(held.mark)), START_MS)
        engine.handle(SetMarkPrice(held.symbol, Price(held.mark)), START_MS)
    venue = engine.venue
    account = venue.accounts["t"] = AccountState("t")
    account.hedge = case.hedge
    deposit(venue, "t", case.wallet, case.asset)
    for held in case.positions:
        settings_ = account.symbol(held.symbol)
        settings_.leverage = held.leverage
        if case.isolated:
            settings_.margin_type = MarginType.ISOLATED
        position = account.position(held.symbol, held.side)
        position.quantity = held.quantity
        position.cost = venue.symbols[held.symbol].tiers.value16(held.quantity, held.entry)
        if case.isolated:
            deposit(venue, position.ledger_key, held.isolated_wallet, case.asset)
    return venue, account


def deposit(venue: Venue, wallet: str, amount: int, asset: str) -> None:
    if amount:
        venue.ledger.transfer(EntryKind.DEPOSIT, asset, EXTERNAL, wallet, amount, account="t")


def calculator_of(case: Case, marks: dict[str, int] | None = None) -> AccountRisk:
    """Return the calculator's answer for the case (``marks`` overriding the case's)."""
    positions = tuple(
        Position(
            instrument=market().instruments[held.symbol],
            side=held.side,
            quantity=Qty(held.quantity),
            entry_price=Price(held.entry),
            mark_price=Price((marks or {}).get(held.symbol, held.mark)),
            margin_type=MarginType.ISOLATED if case.isolated else MarginType.CROSS,
            leverage=held.leverage,
            isolated_wallet=Amount(held.isolated_wallet, case.asset) if case.isolated else None,
        )
        for held in case.positions
    )
    tables = {s: market().bracket_table(s) for s in {h.symbol for h in case.positions}}
    account = Account(Amount(case.wallet, case.asset), positions)
    return assess_account(account, tables)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_engine_figures_agree_with_the_calculator(case: Case) -> None:
    venue, account = venue_of(case)
    risk = calculator_of(case)
    slack = 1 if case.inverse else 0  # raw units per position, in the account's disfavour
    for held, exact in zip(case.positions, risk.positions, strict=True):
        position = account.find_position(held.symbol, held.side)
        assert position is not None
        state = venue.symbols[held.symbol]
        pnl, maintenance = position_figures(position, state.mark_price, state.tiers)
        assert exact.margin.unrealized_pnl.raw - slack <= pnl <= exact.margin.unrealized_pnl.raw
        expected = exact.margin.maintenance_margin.raw
        assert expected <= maintenance <= expected + slack
    count = len(case.positions)
    if case.isolated:
        for held, exact in zip(case.positions, risk.positions, strict=True):
            position = account.find_position(held.symbol, held.side)
            assert position is not None
            target = unit(venue, unit_key(venue, account, position))
            assert target is not None
            balance = unit_figures(venue, target).margin_balance
            calculated = held.isolated_wallet + exact.margin.unrealized_pnl.raw
            assert calculated - slack <= balance <= calculated
    else:
        target = unit(venue, ("t", case.asset))
        assert target is not None
        figures = unit_figures(venue, target)
        calculated = risk.cross_margin_balance.raw
        assert calculated - slack * count <= figures.margin_balance <= calculated
        expected = risk.cross_maintenance_margin.raw
        assert expected <= figures.maintenance <= expected + slack * count


@settings(max_examples=200, deadline=None)
@given(cases())
def test_engine_liquidation_price_agrees_with_the_calculator(case: Case) -> None:
    venue, account = venue_of(case)
    risk = calculator_of(case)
    for held, exact in zip(case.positions, risk.positions, strict=True):
        same_symbol = [h for h in case.positions if h.symbol == held.symbol]
        trigger = exact.liquidation.trigger
        if len(same_symbol) > 1 or trigger is None:
            continue  # a hedge pair is solved jointly by the calculator
        position = account.find_position(held.symbol, held.side)
        assert position is not None
        engine_price = _engine_liquidation_price(venue, account, position)
        calculated = trigger.price.raw
        long = held.quantity > 0
        assert trigger.direction is (Direction.FALLING if long else Direction.RISING)
        if long:
            assert engine_price >= calculated - 1
        else:
            assert engine_price <= calculated + 1
        if engine_price <= 0 or engine_price >= MAX_PRICE:
            continue
        event("inverse" if case.inverse else "linear")
        at_engine = calculator_of(case, {held.symbol: engine_price})
        margin, required = _group_balance(case, at_engine, held)
        assert margin - required <= 2 * len(case.positions)


def _engine_liquidation_price(venue: Venue, account: AccountState, position: PositionState) -> int:
    """``read.account_figures.liquidation_price``: the unit's balance without the position,
    less the others' maintenance, solved by the exact integer check."""
    target = unit(venue, unit_key(venue, account, position))
    assert target is not None
    others = [p for p in target.positions if p is not position and p.quantity]
    other_maintenance = sum(
        position_figures(p, venue.symbols[p.symbol].mark_price, venue.symbols[p.symbol].tiers)[1]
        for p in others
    )
    balance = balance_without(venue, target, position) - other_maintenance
    state = venue.symbols[position.symbol]
    return boundary_price(balance, position.quantity, position.cost, state.tiers)


def _group_balance(case: Case, risk: AccountRisk, held: Held) -> tuple[int, int]:
    """Return the calculator's (margin balance, maintenance) of ``held``'s margin unit."""
    if case.isolated:
        index = case.positions.index(held)
        margin = risk.positions[index].margin
        return held.isolated_wallet + margin.unrealized_pnl.raw, margin.maintenance_margin.raw
    return risk.cross_margin_balance.raw, risk.cross_maintenance_margin.raw
