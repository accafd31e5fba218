"""A rebuilt margin unit's exact figures, through the exchange core's own integer maths.

Nothing here is a second margin model: margin balance, maintenance and breach come from
``core.margin_unit.figures`` (the risk engine's check), the one-position liquidation price
from ``core.margin_unit.boundary_price``, the bankruptcy price from
``core.margin_unit.bankruptcy_price``.
A unit with several positions (cross, hedge) gets its liquidation price in one symbol by
bisection over that same exact check, the other symbols held at their marks.
"""

from __future__ import annotations

from liquidator.core.contracts.market import Market
from liquidator.core.exchange.account_state import PositionState
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import (
    MAX_PRICE,
    Figures,
    IntTiers,
    bankruptcy_price,
    boundary_price,
    figures,
)
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.positions import Leg, entry_price, tick_bankruptcy
from liquidator.postmortem.records import PostmortemError


def tiers_of(market: Market, symbol: str) -> IntTiers:
    """Return the symbol's brackets as the core's integers (an inverse one's contract size)."""
    table = market.bracket_table(symbol)
    if table is None:
        raise PostmortemError(f"{symbol}: no leverage brackets (pass the API's or --brackets)")
    instrument = market.instrument(symbol)
    size = instrument.contract_size if instrument is not None and instrument.is_inverse else 0
    return IntTiers(table, inverse_contract_size=size)


def tick_of(market: Market, symbol: str) -> int:
    instrument = market.instrument(symbol)
    if instrument is None:
        raise PostmortemError(f"{symbol}: not a contract of the market (see --exchange-info)")
    return instrument.tick_size.raw


def _state(leg: Leg) -> PositionState:
    state = PositionState("", leg.symbol, PositionSide(leg.position_side))
    state.quantity, state.cost = leg.quantity, leg.cost
    return state


def unit_figures(wallet: int, legs: list[Leg], marks: dict[str, int], market: Market) -> Figures:
    """Return the unit's wallet, unrealized PnL and maintenance at ``marks``."""
    tiers = {leg.symbol: tiers_of(market, leg.symbol) for leg in legs}
    return figures(wallet, [_state(leg) for leg in legs], marks, tiers)


def liquidation_price(
    wallet: int, legs: list[Leg], marks: dict[str, int], symbol: str, market: Market
) -> int:
    """Return the last mark of ``symbol`` at which the unit is liquidated (0: never).

    Several positions: the breach is searched between 0 and the net position's entry for a
    net long (between the entry and far above for a net short): a hedge pair is breached on
    both sides far enough out, and only the side toward its net exposure is its liquidation.
    """
    if len(legs) == 1:
        leg = legs[0]
        return boundary_price(wallet, leg.quantity, leg.cost, tiers_of(market, symbol))
    mine = [leg for leg in legs if leg.symbol == symbol]
    net = sum(leg.quantity for leg in mine)
    cost = sum(leg.cost for leg in mine)
    entry = abs(entry_price(net, cost, mine[0].coin16)) if net else marks[symbol]

    def breached(price: int) -> bool:
        return unit_figures(wallet, legs, {**marks, symbol: price}, market).is_breached

    if net >= 0:
        low, high = 1, entry  # at 0 nothing is maintained: start a unit above
        if not breached(low):
            return 0
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if breached(middle) else (low, middle - 1)
        return low
    low, high = entry, MAX_PRICE
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if breached(middle) else (middle + 1, high)
    return low


def order_price(
    wallet: int, legs: list[Leg], marks: dict[str, int], leg: Leg, market: Market
) -> int:
    """Return the liquidation order's price for ``leg``: its bankruptcy price to the tick."""
    bankrupt = bankruptcy(wallet, legs, marks, leg, market)
    return tick_bankruptcy(bankrupt, leg.quantity > 0, tick_of(market, leg.symbol))


def bankruptcy(
    wallet: int, legs: list[Leg], marks: dict[str, int], leg: Leg, market: Market
) -> int:
    """Return the exact bankruptcy price of ``leg`` (raw), the unit's others at their marks
    (their PnL floored, as the engine's figures take it)."""
    others = sum(o.pnl16(marks[o.symbol]) // SCALE for o in legs if o is not leg)
    tiers = tiers_of(market, leg.symbol)
    return bankruptcy_price(wallet + others, leg.quantity, leg.cost, tiers)


def needed_wallet(legs: list[Leg], marks: dict[str, int], market: Market) -> int:
    """Return the least wallet that keeps the unit above maintenance at ``marks``."""
    at = unit_figures(0, legs, marks, market)
    return max(1, at.maintenance - at.unrealized + 1)
