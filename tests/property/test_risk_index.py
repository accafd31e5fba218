"""The risk index finds exactly the units a brute-force scan finds, on random populations.

A population of traders holds random positions (long or short, isolated or cross, one symbol or
both or a hedge pair, leverage 1-125) against a house account too rich to fall. Then the mark
prices walk. Before each tick every unit is checked by brute force at the new marks; the tick
must liquidate exactly those (the book is empty, so each liquidation goes to the insurance fund
and touches nobody else), and afterwards no unit is breached.
"""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.account_state import PositionState
from liquidator.core.exchange.commands import (
    CancelAllOrders,
    SetLeverage,
    SetMarginType,
    SetPositionMode,
)
from liquidator.core.exchange.events import LiquidationTriggered
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.exchange.venue import PriceSource, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.unit import (
    IntTiers,
    band_budgets,
    band_rate,
    band_room,
    figures,
    held_sides,
    trigger_price,
)
from liquidator.core.money.fixed import SCALE
from liquidator.core.risk.index import COMPACT_GROWTH, COMPACT_SLACK, Hit, RiskIndex, UnitKey
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.core.risk.screen import FloatTiers, screen_bands, screen_price
from liquidator.core.risk.venue_units import unit, unit_key
from tests.scenarios.venue import BTC, Exchange, of_type, order

ETH = "ETHUSDT"
START = {BTC: 30_000, ETH: 2_000}
PER_UNIT = {BTC: 1000, ETH: 100}  # steps per coin: 0.001 BTC, 0.01 ETH

TRADER = st.fixed_dictionaries(
    {
        "deposit": st.integers(100, 20_000),
        "isolated": st.booleans(),
        "hedge": st.booleans(),
        "leverage": st.integers(1, 125),
        BTC: st.integers(-300, 300),
        ETH: st.integers(-300, 300),
    }
)
TICKS = st.lists(
    st.tuples(st.integers(-1500, 1500), st.integers(-1500, 1500)), min_size=1, max_size=8
)  # moves of each mark, in basis points


def build(traders: list[dict[str, int | bool]]) -> Exchange:
    config = VenueConfig(
        mark_source=PriceSource.FEED,
        insurance=InsuranceConfig(seed=10**9 * SCALE),
    )
    venue = Exchange(config)
    for symbol, price in START.items():
        venue.set_index(str(price), symbol)
        venue.set_mark(str(price), symbol)
    venue.open("house", "1000000000")
    for number, trader in enumerate(traders):
        name = f"t{number:02d}"
        venue.open(name, str(trader["deposit"]))
        for symbol in START:
            venue.accept(SetLeverage(name, symbol, int(trader["leverage"])))
            if trader["isolated"]:
                venue.accept(SetMarginType(name, symbol, MarginType.ISOLATED))
        if trader["hedge"]:  # both legs in BTCUSDT, margined apart
            venue.accept(SetPositionMode(name, hedge=True))
            open_position(venue, name, BTC, abs(int(trader[BTC])), PositionSide.LONG)
            open_position(venue, name, BTC, -abs(int(trader[ETH])), PositionSide.SHORT)
            continue
        for symbol in START:
            open_position(venue, name, symbol, int(trader[symbol]))
    return venue


def open_position(
    venue: Exchange, name: str, symbol: str, steps: int, side: PositionSide = PositionSide.BOTH
) -> None:
    """Trade ``steps`` step sizes with the house at the mark, if the trader's margin allows."""
    if steps == 0:
        return
    size = f"{abs(steps) / PER_UNIT[symbol]:.3f}"
    price = str(START[symbol])
    house, trader = (Side.SELL, Side.BUY) if steps > 0 else (Side.BUY, Side.SELL)
    resting = venue.place(order("house", house, OrderType.LIMIT, size, price, symbol=symbol))
    if resting.rejection is not None:  # below the minimum notional: no position
        return
    venue.place(
        order(name, trader, OrderType.LIMIT, size, price, symbol=symbol, position_side=side)
    )
    venue.accept(CancelAllOrders("house", symbol))  # whatever the trader could not take
    venue.accept(CancelAllOrders(name, symbol))


def breached_at(venue: Exchange, marks: dict[str, int]) -> set[UnitKey]:
    """Brute force: every trader unit at 100% margin ratio at ``marks``."""
    engine = venue.engine.venue
    found: set[UnitKey] = set()
    for account in engine.accounts.values():
        if account.is_system:
            continue
        for position in account.open_positions():
            key = unit_key(engine, account, position)
            target = unit(engine, key)
            assert target is not None
            tiers = {p.symbol: engine.symbols[p.symbol].tiers for p in target.positions}
            wallet = engine.ledger.balance(key[0], key[1])
            if figures(wallet, target.positions, marks, tiers).is_breached:
                found.add(key)
    return found


@settings(max_examples=150, deadline=None)
@given(traders=st.lists(TRADER, min_size=1, max_size=12), ticks=TICKS)
def test_index_liquidates_exactly_what_a_full_scan_finds(
    traders: list[dict[str, int | bool]], ticks: list[tuple[int, int]]
) -> None:
    venue = build(traders)
    held = sum(len(a.open_positions()) for a in venue.engine.venue.accounts.values())
    event(f"open positions {min(held, 10) // 5 * 5}+")
    marks = {symbol: venue.mark(symbol) for symbol in START}
    for btc_bps, eth_bps in ticks:
        for symbol, bps in ((BTC, btc_bps), (ETH, eth_bps)):
            tick = venue.engine.venue.symbols[symbol].instrument.tick_size.raw
            moved = marks[symbol] * (10_000 + bps) // 10_000
            marks[symbol] = max(tick, moved - moved % tick)
            expected = breached_at(venue, {**marks})
            outcome = venue.set_mark(_decimal(marks[symbol]), symbol)
            liquidated = {(e.wallet, e.asset) for e in of_type(outcome, LiquidationTriggered)}
            assert liquidated == expected
            event(f"liquidated {min(len(liquidated), 3)}+ in a tick")
            assert breached_at(venue, marks) == set()


def _decimal(raw: int) -> str:
    whole, fraction = divmod(raw, SCALE)
    return f"{whole}.{fraction:08d}"


def test_heaps_are_compacted_and_keep_every_live_entry() -> None:
    index = RiskIndex({"BTCUSDT": btc_tiers()})
    key = ("alice", "USDT")
    for round_ in range(5_000):  # re-index one unit again and again: one live entry at a time
        index.drop(key)
        index.add_single(
            key,
            "BTCUSDT",
            wallet=1_000 * SCALE,
            quantity=SCALE,
            cost=(30_000 + round_ % 7) * SCALE * SCALE,
            tiers=btc_tiers(),
            call_threshold=80 * 10**6,
            called=False,
        )

    heap = index.falling["BTCUSDT"]
    assert len(heap) <= COMPACT_GROWTH * 1 + COMPACT_SLACK + 1
    hits = index.reached("BTCUSDT", 1)  # a mark far below: the one live entry comes out alone
    assert [(hit.unit, hit.hit) for hit in hits] == [(key, Hit.MARGIN_CALL)]
    assert index.falling["BTCUSDT"] == []


def btc_tiers() -> IntTiers:
    table = bundled_market().bracket_table("BTCUSDT")
    assert table is not None
    return IntTiers(table)


def test_a_unit_banded_in_many_symbols_is_forgotten_whole() -> None:
    symbols = [f"S{number}USDT" for number in range(6)]
    index = RiskIndex(dict.fromkeys(symbols, btc_tiers()))
    key = ("alice", "USDT")
    index.add_bands(key, [(symbol, 1_000 * SCALE, 10 * SCALE, 0) for symbol in symbols])
    # a fall past each lower edge and a rise past each upper one reach the unit: 12 entries
    hits = [hit for symbol in symbols for mark in EDGES for hit in index.reached(symbol, mark)]
    assert sorted((hit.symbol, hit.falling) for hit in hits) == sorted(
        (symbol, falling) for symbol in symbols for falling in (True, False)
    )
    assert {hit.unit for hit in hits} == {key}
    index.restore(hits)  # not confirmed by the exact check: back on their heaps

    index.drop(key)

    assert all(index.reached(symbol, mark) == [] for symbol in symbols for mark in EDGES)


EDGES = (989 * SCALE, 1_011 * SCALE)  # just past the bands' edges (1,000 +- 10)


@settings(max_examples=400, deadline=None)
@given(
    wallet=st.integers(min_value=-(10**14), max_value=10**16),
    quantity=st.integers(min_value=-(10**12), max_value=10**12).filter(bool),
    entry=st.integers(min_value=10**6, max_value=10**14),
    threshold=st.sampled_from([SCALE, 80 * 10**6, 50 * 10**6, 120 * 10**6]),
)
def test_the_float_screen_never_flags_later_than_the_exact_trigger(
    wallet: int, quantity: int, entry: int, threshold: int
) -> None:
    tiers = btc_tiers()
    cost = quantity * entry
    exact = trigger_price(wallet, quantity, cost, tiers, threshold=threshold)
    screened = screen_price(wallet, quantity, cost, tiers, FloatTiers(tiers), threshold=threshold)
    if quantity > 0:  # a long flags at or below its price: the screen's is no lower
        assert screened >= exact
    else:  # a short flags at or above it: the screen's is no higher
        assert screened <= exact
    assert abs(screened - exact) <= abs(exact) // 10**8 + 10**4  # and a hair away, no more


@settings(max_examples=300, deadline=None)
@given(
    wallet=st.integers(min_value=0, max_value=10**15),
    held=st.lists(
        st.tuples(
            st.sampled_from(["BTCUSDT", "ETHUSDT"]),
            st.integers(min_value=-(10**11), max_value=10**11).filter(bool),
            st.integers(min_value=10**9, max_value=10**13),  # entry price (raw)
        ),
        min_size=2,
        max_size=2,
        unique_by=lambda position: position[0],
    ),
    marks=st.tuples(
        st.integers(min_value=10**9, max_value=10**13),
        st.integers(min_value=10**9, max_value=10**13),
    ),
    threshold=st.sampled_from([SCALE, 80 * 10**6, 50 * 10**6]),
)
def test_the_float_bands_never_reach_past_the_exact_ones(
    wallet: int,
    held: list[tuple[str, int, int]],
    marks: tuple[int, int],
    threshold: int,
) -> None:
    market = bundled_market()
    tiers = {s: IntTiers(market.bracket_table(s)) for s in ("BTCUSDT", "ETHUSDT")}  # type: ignore[arg-type]
    positions = []
    for symbol, quantity, entry in held:
        position = PositionState("alice", symbol, PositionSide.BOTH)
        position.quantity, position.cost = quantity, quantity * entry
        positions.append(position)
    mark_of = dict(zip(("BTCUSDT", "ETHUSDT"), marks, strict=True))
    floats = {s: FloatTiers(t) for s, t in tiers.items()}
    screened = screen_bands(wallet, positions, held_sides(positions), mark_of, floats, threshold)
    event("screened" if screened is not None else "left to the exact figures")
    if screened is None:
        return
    current = figures(wallet, positions, mark_of, tiers)
    assert not current.is_breached
    assert not current.ratio_at_least(threshold)
    budgets = band_budgets(current, 2, call_threshold=threshold, called=False, fund=False)
    for symbol, mark, room, _ in screened:
        size = sum(abs(p.quantity) for p in positions if p.symbol == symbol)
        exact = band_room(budgets, 2, size, mark, band_rate(tiers[symbol], size, mark))
        assert 0 < room <= exact
