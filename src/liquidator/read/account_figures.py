"""An account's figures at the marks, worked out once for every reader (REST, streams, pages).

Every figure comes from the engine's own margin model (``core.margin.unit`` for a position's
PnL, maintenance and trigger prices, ``core.margin.pretrade`` for initial margin and the cross
account's available balance), so what an API shows is what the engine acts on. Raw integers at
the fixed scale (10**-8), in the position's margin asset:

* ``unrealized``, ``maintenance``: ``unit.position_figures`` at the symbol's mark;
* ``initial``: ``pretrade.position_initial_margin`` at the account's leverage (rounded up);
* ``notional``: the signed value of the position at the mark, in the quote asset for a linear
  contract (``qty * mark``) and in the coin for an inverse one (``qty * size / mark``); both
  rounded toward zero (a display figure, never charged);
* ``liquidation_price``: the last mark at which the position's margin unit is still breached,
  the unit's other positions at their marks (``unit.boundary_price``); 0 when it never is;
* ``isolated_wallet``: the position's isolated wallet (0 in cross).

An asset's figures add up its positions (cross and isolated) and the cross wallet's
``pretrade.CrossFigures`` (available balance, withdrawable amount, open orders' margin).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import MarginType
from liquidator.core.margin.pretrade import (
    cross_figures,
    open_order_margin,
    position_initial_margin,
)
from liquidator.core.margin.unit import MAX_PRICE, Unit, boundary_price
from liquidator.core.margin.unit import figures as unit_figures
from liquidator.core.margin.unit import position_figures as unit_position_figures
from liquidator.core.money.scaled import SCALE
from liquidator.core.risk.venue_units import balance_without, unit, unit_key


@dataclass(frozen=True, slots=True)
class PositionFigures:
    """One position at its symbol's mark (raw, in its margin asset)."""

    position: PositionState
    mark: int
    leverage: int
    isolated: bool
    isolated_wallet: int
    unrealized: int
    maintenance: int
    initial: int
    order_initial: int
    notional: int
    liquidation_price: int

    @property
    def symbol(self) -> str:
        return self.position.symbol

    @property
    def isolated_margin(self) -> int:
        """The isolated wallet plus the PnL (Binance's ``isolatedMargin``); 0 in cross."""
        return self.isolated_wallet + self.unrealized if self.isolated else 0


@dataclass(frozen=True, slots=True)
class AssetFigures:
    """An account's figures in one margin asset (raw)."""

    asset: str
    cross_wallet: int
    isolated_wallets: int
    unrealized: int
    cross_unrealized: int
    maintenance: int
    cross_maintenance: int
    position_initial: int
    order_initial: int
    available: int
    max_withdraw: int

    @property
    def wallet(self) -> int:
        """The whole wallet: the cross wallet and every isolated wallet of the asset."""
        return self.cross_wallet + self.isolated_wallets

    @property
    def margin_balance(self) -> int:
        return self.wallet + self.unrealized

    @property
    def initial(self) -> int:
        return self.position_initial + self.order_initial

    def cross_margin_ratio(self) -> int | None:
        """The cross unit's maintenance / margin balance (raw, rounded up); None: no balance."""
        balance = self.cross_wallet + self.cross_unrealized
        if balance <= 0:
            return None
        return -(-self.cross_maintenance * SCALE // balance)


@dataclass(frozen=True, slots=True)
class AccountFigures:
    """Every position and every margin asset of one account."""

    positions: tuple[PositionFigures, ...]
    assets: tuple[AssetFigures, ...]

    def asset(self, name: str) -> AssetFigures:
        return next(a for a in self.assets if a.asset == name)


def margin_assets(venue: Venue) -> list[str]:
    """The venue's margin assets, sorted."""
    return sorted({state.instrument.margin_asset for state in venue.symbols.values()})


def notional(state: SymbolState, quantity: int, mark: int) -> int:
    """The signed value of ``quantity`` at ``mark`` in the margin asset, toward zero (raw).

    Linear: ``qty * mark / 10**8``; inverse: ``qty * contract_size * 10**8 / mark`` (coin).
    """
    instrument = state.instrument
    if instrument.is_inverse:
        if mark <= 0:
            return 0
        value = abs(quantity) * instrument.contract_size * SCALE // mark
    else:
        value = abs(quantity) * mark // SCALE
    return value if quantity >= 0 else -value


def entry_price(venue: Venue, position: PositionState) -> int:
    """The position's entry price (raw; 0 flat), half-even (``IntTiers.entry_price``): ``cost /
    qty`` linear, ``qty x contract size / cost`` inverse (the harmonic mean of the fills)."""
    return venue.symbols[position.symbol].tiers.entry_price(position.quantity, position.cost)


def liquidation_price(venue: Venue, account: AccountState, position: PositionState) -> int:
    """The last mark of the position's symbol at which its unit is breached, the other symbols
    at their marks; 0: never. A hedge pair in one cross unit moves with its symbol's mark
    together (:func:`pair_boundary`)."""
    if not position.quantity:
        return 0
    target = unit(venue, unit_key(venue, account, position))
    if target is None:
        return 0
    if any(p is not position and p.symbol == position.symbol for p in target.positions):
        return pair_boundary(venue, target, position.symbol)
    others = [p for p in target.positions if p is not position and p.quantity]
    other_maintenance = sum(pnl_and_maintenance(venue, p)[1] for p in others)
    balance = balance_without(venue, target, position) - other_maintenance
    state = venue.symbols[position.symbol]
    price = boundary_price(balance, position.quantity, position.cost, state.tiers)
    return 0 if price >= MAX_PRICE else price  # a short no price breaches (inverse, covered)


def pair_boundary(venue: Venue, target: Unit, symbol: str) -> int:
    """The boundary mark of ``symbol`` for a unit holding both sides of it (hedge mode, cross).

    Every position of ``symbol`` at the trial mark and the others at theirs, the unit's margin
    balance less its maintenance is concave in the mark (linear PnL of the net, minus the two
    legs' tiered maintenance, convex), so the marks that breach it are those below one edge and
    those above another. By bisection over the engine's exact check (``unit.figures(...)
    .is_breached``, the check the risk sweep confirms a multi-position unit with) from the
    symbol's mark: the last breached mark below it and the first above it; the nearer of the
    two is the price shown (a nearly flat pair's maintenance can outgrow its PnL, so a net long
    may be liquidated by a rise). The mark itself if it breaches already; 0 when the pair is
    flat net (no mark of its own breaches it alone) or nothing breaches it.
    """
    net = sum(p.quantity for p in target.positions if p.symbol == symbol)
    if net == 0:
        return 0
    wallet = venue.ledger.balance(target.wallet_key, target.asset)
    marks = {p.symbol: venue.symbols[p.symbol].mark_price for p in target.positions}
    tiers = {p.symbol: venue.symbols[p.symbol].tiers for p in target.positions}

    def breached(price: int) -> bool:
        at = marks | {symbol: price}
        return unit_figures(wallet, target.positions, at, tiers).is_breached

    mark = marks[symbol]
    if breached(mark):
        return mark
    below = _last_breached(breached, 0, mark) if breached(0) else None
    above = _first_breached(breached, mark, MAX_PRICE) if breached(MAX_PRICE) else None
    if below is None or above is None:
        return below or above or 0
    return below if mark - below <= above - mark else above


def _last_breached(breached: Callable[[int], bool], low: int, high: int) -> int:
    """The last price in ``[low, high]`` that breaches, ``low`` breaching and ``high`` not."""
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if breached(middle) else (low, middle - 1)
    return low


def _first_breached(breached: Callable[[int], bool], low: int, high: int) -> int:
    """The first price in ``[low, high]`` that breaches, ``high`` breaching and ``low`` not."""
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if breached(middle) else (middle + 1, high)
    return low


def pnl_and_maintenance(venue: Venue, position: PositionState) -> tuple[int, int]:
    """A held position's (unrealized PnL, maintenance margin) at its symbol's mark (raw)."""
    state = venue.symbols[position.symbol]
    return unit_position_figures(position, state.mark_price, state.tiers)


def position_figures(
    venue: Venue, account: AccountState, position: PositionState, *, liquidation: bool = True
) -> PositionFigures:
    """The figures of one position (a flat one: zeros, its settings); without ``liquidation``,
    its liquidation price is left at 0 (a search over prices: only the readers that show it)."""
    symbol = position.symbol
    state = venue.symbols[symbol]
    mark, leverage = state.mark_price, account.leverage_of(symbol)
    isolated = account.margin_type_of(symbol) is MarginType.ISOLATED
    wallet = venue.ledger.balance(position.ledger_key, state.instrument.margin_asset)
    held = position.quantity != 0
    pnl, maintenance = pnl_and_maintenance(venue, position) if held else (0, 0)
    orders = account.symbols.get(symbol)
    return PositionFigures(
        position=position,
        mark=mark,
        leverage=leverage,
        isolated=isolated,
        isolated_wallet=wallet if isolated else 0,
        unrealized=pnl,
        maintenance=maintenance,
        initial=position_initial_margin(position, mark, leverage, state.tiers) if held else 0,
        order_initial=open_order_margin(account, orders) if orders else 0,
        notional=notional(state, position.quantity, mark),
        liquidation_price=liquidation_price(venue, account, position) if liquidation else 0,
    )


def asset_figures(
    venue: Venue, account: AccountState, asset: str, positions: list[PositionFigures]
) -> AssetFigures:
    """An asset's figures from its positions' (``positions``: the account's, any asset)."""
    cross = cross_figures(venue, account, asset)
    mine = [f for f in positions if venue.assets[f.symbol] == asset and f.position.quantity]
    return AssetFigures(
        asset=asset,
        cross_wallet=cross.wallet,
        isolated_wallets=isolated_wallets(venue, account, asset),
        unrealized=sum(f.unrealized for f in mine),
        cross_unrealized=cross.unrealized,
        maintenance=sum(f.maintenance for f in mine),
        cross_maintenance=sum(f.maintenance for f in mine if not f.isolated),
        position_initial=sum(f.initial for f in mine),
        order_initial=cross.order_margin,
        available=cross.available,
        max_withdraw=cross.max_withdraw,
    )


def isolated_wallets(venue: Venue, account: AccountState, asset: str) -> int:
    """The sum of the account's isolated wallets in ``asset``."""
    return sum(
        venue.ledger.balance(p.ledger_key, asset)
        for p in account.held_positions()
        if venue.assets[p.symbol] == asset
        and account.margin_type_of(p.symbol) is MarginType.ISOLATED
    )


def account_figures(venue: Venue, account: AccountState) -> AccountFigures:
    """Every open position's figures (liquidation prices left at 0: ``position_figures``) and
    every margin asset's, at the current marks."""
    positions = tuple(
        position_figures(venue, account, p, liquidation=False) for p in account.open_positions()
    )
    assets = tuple(
        asset_figures(venue, account, asset, list(positions)) for asset in margin_assets(venue)
    )
    return AccountFigures(positions, assets)
