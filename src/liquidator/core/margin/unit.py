"""A margin unit, what one liquidation decision is about, and its exact figures in integers.

A unit is a cross wallet with every cross position margined in its asset (one account, one
asset), or one isolated position with its isolated wallet. It is named by its wallet's ledger
account (``alice`` or ``alice/BTCUSDT/LONG``) and asset. All values are raw ints (10**-8);
``*16`` values are 10**-16 units of the margin asset. Each symbol's contract and brackets are an
:class:`IntTiers`, which defines the notional, a fill's cost and the PnL once for linear
(``qty * price``) and inverse (``qty * contract_size / price`` coin) contracts. Rounding goes
against the account:

* unrealized PnL  = ``floor(pnl16 / 10**8)`` per position: linear ``qty * mark - cost``,
                    inverse ``cost - ceil(qty * CS / mark)``;
* maintenance     = ``ceil(N * rate / 10**16) - cum`` per position, with the bracket holding the
                    notional ``N`` (``|qty| * mark``, or ``ceil(|qty| * CS / mark)`` coin;
                    Binance: ``notional * mmr - cum``);
* margin balance  = wallet + the sum of unrealized PnL;
* breached        = the unit holds a position and margin balance <= maintenance (margin ratio
                    ``maintenance / margin balance`` at or above 100%, or no balance at all).

The trigger price of a one-position unit (the liquidation price, or the margin-call price at a
lower threshold) solves ``wallet + (q * P - C) / 10**8 = t * (|q| * P * r / 10**16 - cum)``
bracket by bracket (inverse: the exact check bisected, the figures not being linear in P); the
engine only uses it to index units, and confirms every breach with :func:`figures`. The
bankruptcy price of a position is where the unit's margin balance is zero with every other
position at its mark.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Final

from mypy_extensions import mypyc_attr

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.scaled import (
    SCALE,
    SCALE2,
    Rounding,
    ceil_div,
    divide_signed,
    floor_scaled,
)


class IntTiers:
    """A symbol's bracket table and contract value as integers, for the hot path.

    Floors and caps are 10**-16 units of the margin asset, rates and cums raw. ``coin16`` is 0
    for a linear contract and ``contract_size * 10**16`` for an inverse one (COIN-M), whose
    values are in the coin (see :meth:`value16`).
    """

    __slots__ = ("caps16", "coin16", "cums", "floors16", "rates", "rates_up_to")

    def __init__(self, table: BracketTable, *, inverse_contract_size: int = 0) -> None:
        self.floors16 = [b.floor.raw * SCALE for b in table.brackets]
        self.caps16 = [b.cap.raw * SCALE for b in table.brackets]
        self.rates = [b.maintenance_margin_rate.raw for b in table.brackets]
        self.cums = [b.maintenance_amount.raw for b in table.brackets]
        # the highest rate of brackets 0..i, per i (bands read it on every re-index)
        self.rates_up_to = [max(self.rates[: index + 1]) for index in range(len(self.rates))]
        self.coin16 = inverse_contract_size * SCALE2

    @property
    def is_inverse(self) -> bool:
        return self.coin16 != 0

    def index_for(self, notional16: int) -> int:
        """Return the bracket (0-based) holding ``notional16``: the last with floor <= it."""
        return max(0, bisect_right(self.floors16, notional16) - 1)

    def maintenance(self, notional16: int) -> int:
        """Return ``ceil(notional * rate) - cum`` (raw) for a notional of ``notional16``."""
        index = self.index_for(notional16)
        return ceil_div(notional16 * self.rates[index], SCALE2) - self.cums[index]

    def notional16(self, size: int, price: int) -> int:
        """Return the notional of ``size`` (>= 0) at ``price`` in 10**-16 margin-asset units.

        Linear: ``size * price``, exact. Inverse: ``size * contract_size / price`` coin,
        rounded up (a requirement); a price below one raw unit counts as one.
        """
        coin16 = self.coin16
        if coin16 == 0:
            return size * price
        return ceil_div(size * coin16, max(price, 1))

    def value16(self, quantity: int, price: int) -> int:
        """Return what a fill of signed ``quantity`` at ``price`` adds to a position's cost.

        Linear: ``quantity * price`` (quote, exact). Inverse: ``quantity * contract_size /
        price`` (coin), rounded down: a long's cost less, a short's more negative, so the PnL
        ``cost - value at the mark`` is never overstated.
        """
        coin16 = self.coin16
        if coin16 == 0:
            return quantity * price
        return quantity * coin16 // max(price, 1)

    def pnl16(self, quantity: int, cost: int, mark: int) -> int:
        """Return the unrealized PnL (10**-16) of signed ``quantity`` of exact ``cost`` at ``mark``.

        Linear: ``q * mark - cost``. Inverse: ``cost - ceil(q * contract_size / mark)``, i.e.
        ``q * CS * (1/E - 1/mark)`` with ``cost = q * CS / E``; rounded against the account.
        """
        coin16 = self.coin16
        if coin16 == 0:
            return quantity * mark - cost
        return cost - ceil_div(quantity * coin16, max(mark, 1))

    def order_value16(self, quantity: int, price: int) -> int:
        """Return the notional (10**-16) an open order of ``quantity`` at ``price`` commits.

        Linear: ``quantity * price``. Inverse: ``quantity * ceil(contract_size / price)`` per raw
        quantity unit, so the sums kept per side (``AccountSymbol.buy_cost``) stay additive as
        orders fill in parts; over by less than 10**-16 coin per raw unit (10**-8 a contract).
        """
        coin16 = self.coin16
        if coin16 == 0:
            return quantity * price
        return quantity * ceil_div(coin16, max(price, 1))

    def size_within(self, notional16: int, price: int) -> int:
        """Return the largest size (raw) whose notional at ``price`` is at most ``notional16``.

        Linear: ``notional // price``. Inverse: ``ceil(size * CS / price) <= n`` exactly when
        ``size * CS <= n * price``, so ``n * price // CS``.
        """
        coin16 = self.coin16
        if coin16 == 0:
            return notional16 // max(price, 1)
        return notional16 * price // coin16

    def loss16(self, quantity: int, cost: int, mark: int, buy: bool) -> int:
        """Return what a fill of ``quantity`` worth ``cost`` (10**-16, ``order_value16``) loses
        against the mark at once: a buy's ``cost - quantity * mark`` (linear) or
        ``quantity * CS / mark - cost`` (inverse: a coin value falls as the price rises); a
        sell's the opposite. Negative for a gain.
        """
        at_mark = self.notional16(quantity, mark)
        loss = cost - at_mark if buy else at_mark - cost
        return -loss if self.coin16 else loss

    def band_size(self, size: int, mark: int) -> int:
        """Return the size whose linear notional moves as fast as ``size`` held here can.

        Linear: ``size``. Inverse: the notional ``size * CS / P`` moves by ``size * CS / P**2``
        per raw price unit, at most ``4 * size * CS / mark**2`` in a band that stays above half
        the mark (``band_room`` caps bands there); rounded up, plus one for the roundings.
        """
        if self.coin16 == 0:
            return size
        return ceil_div(4 * size * self.coin16, max(mark, 1) ** 2) + 1

    def entry_price(self, quantity: int, cost: int) -> int:
        """Return the entry price (raw) of a position: ``cost / q`` linear, ``q * CS / cost``
        inverse (the contract-weighted harmonic mean of the fill prices), half-even; 0 flat."""
        if quantity == 0 or cost == 0:
            return 0
        if self.coin16 == 0:
            return divide_signed(cost, quantity, Rounding.HALF_EVEN)
        return divide_signed(quantity * self.coin16, cost, Rounding.HALF_EVEN)


@mypyc_attr(acyclic=True, free_list_len=1)
@dataclass(slots=True, init=False)
class Unit:
    """The wallet and positions of one margin unit (a view, built on demand)."""

    account: AccountState
    wallet_key: str  # ledger account of the wallet
    asset: str
    isolated: bool
    positions: list[PositionState]

    def __init__(
        self,
        account: AccountState,
        wallet_key: str,
        asset: str,
        isolated: bool,
        positions: list[PositionState],
    ) -> None:
        self.account = account
        self.wallet_key = wallet_key
        self.asset = asset
        self.isolated = isolated
        self.positions = positions

    @property
    def name(self) -> str:
        return self.wallet_key


@mypyc_attr(acyclic=True, free_list_len=1)
@dataclass(slots=True, init=False)
class Figures:
    """A unit's margin figures at the mark prices (raw)."""

    wallet: int
    unrealized: int
    maintenance: int

    def __init__(self, wallet: int, unrealized: int, maintenance: int) -> None:
        self.wallet = wallet
        self.unrealized = unrealized
        self.maintenance = maintenance

    @property
    def margin_balance(self) -> int:
        return self.wallet + self.unrealized

    @property
    def is_breached(self) -> bool:
        """Margin ratio at or above 100%: balance no more than maintenance (with a position)."""
        return self.maintenance > 0 and self.margin_balance <= self.maintenance

    def ratio_at_least(self, threshold: int) -> bool:
        """Tell whether maintenance / margin balance >= ``threshold`` (raw rate; 1.0 = SCALE)."""
        if self.maintenance <= 0:
            return False
        balance = self.margin_balance
        return balance <= 0 or self.maintenance * SCALE >= threshold * balance

    def ratio(self) -> int | None:
        """Return maintenance / margin balance (raw, rounded up); None without a balance."""
        balance = self.margin_balance
        if balance <= 0:
            return None
        return ceil_div(self.maintenance * SCALE, balance)


def cross_positions(
    account: AccountState, asset: str, assets: dict[str, str]
) -> list[PositionState]:
    """Return the account's open cross positions margined in ``asset`` (``assets``: symbol ->
    margin asset), ordered by symbol then side (BOTH, LONG, SHORT)."""
    held: list[PositionState] = []
    for symbol, seat in account.symbols.items():  # a symbol's positions come BOTH, LONG, SHORT
        if seat.margin_type is ISOLATED or assets[symbol] != asset:
            continue
        if seat.both is not None and seat.both.quantity:
            held.append(seat.both)
        if seat.long is not None and seat.long.quantity:
            held.append(seat.long)
        if seat.short is not None and seat.short.quantity:
            held.append(seat.short)
    if len(held) == 2:  # the common multi-position unit: two symbols, or a hedge pair
        if held[0].symbol > held[1].symbol:
            held.reverse()
    elif len(held) > 2:
        held.sort(key=_position_order)
    return held


ISOLATED: Final = MarginType.ISOLATED
_SIDE_ORDER: Final = {side: number for number, side in enumerate(PositionSide)}


def _position_order(position: PositionState) -> tuple[str, int]:
    return position.symbol, _SIDE_ORDER[position.side]


def position_figures(position: PositionState, mark: int, tiers: IntTiers) -> tuple[int, int]:
    """Return (unrealized PnL, maintenance margin) of one position at ``mark`` (raw)."""
    quantity = position.quantity
    if tiers.coin16:
        unrealized = floor_scaled(tiers.pnl16(quantity, position.cost, mark))
        return unrealized, tiers.maintenance(tiers.notional16(abs(quantity), mark))
    unrealized = floor_scaled(quantity * mark - position.cost)
    return unrealized, tiers.maintenance(abs(quantity) * mark)


def figures(
    wallet: int, positions: list[PositionState], marks: dict[str, int], tiers: dict[str, IntTiers]
) -> Figures:
    """Return the figures of a unit with ``wallet`` and ``positions`` at ``marks``."""
    unrealized = maintenance = 0
    for position in positions:
        symbol = position.symbol
        pnl, mm = position_figures(position, marks[symbol], tiers[symbol])
        unrealized += pnl
        maintenance += mm
    return Figures(wallet, unrealized, maintenance)


def trigger_price(
    wallet: int,
    quantity: int,
    cost: int,
    tiers: IntTiers,
    *,
    threshold: int = SCALE,
    other_balance: int = 0,
) -> int:
    """Return the mark at which a one-position unit reaches ``threshold`` (raw rate).

    Solves ``B + (q * P - C) / 10**8 = (|q| * P * r / 10**16 - cum) / t`` for P, where
    ``B = wallet + other_balance``, in the bracket that holds ``|q| * P``. A long is at or past
    the threshold when the mark is at or below the price returned, a short when at or above.
    The price is widened toward the mark by the integer roundings of the exact check, so that
    it never flags later than :func:`figures`; 0 means a long never gets there, and a short
    always has some price. Raw price units, the result clamped at 0.
    """
    q, size = quantity, abs(quantity)
    balance = wallet + other_balance
    long = q > 0
    # scaled by S**2 * t: B*S**2*t + (q*P - C)*S*t = |q|*P*r*S - cum*S**2*S  (t raw, r raw)
    t = threshold
    if tiers.coin16:  # inverse: not linear in the price, so the exact condition is bisected
        return _bisect(balance, q, cost, tiers, t)
    for index in range(len(tiers.rates)):
        rate, cum = tiers.rates[index], tiers.cums[index]
        slope = q * SCALE * t - size * rate * SCALE  # coefficient of P
        constant = cost * SCALE * t - balance * SCALE2 * t - cum * SCALE2 * SCALE
        if slope == 0:
            continue
        # slope * P <= constant (long: slope > 0) / slope * P >= constant (short: slope < 0)
        root = constant // slope if long else ceil_div(-constant, -slope)
        notional = size * root
        if notional < tiers.floors16[index] and index > 0:
            continue
        if index + 1 < len(tiers.rates) and notional > tiers.floors16[index + 1]:
            continue
        return _widen(root, slope, long)
    # no bracket held its root (a rounding at a boundary): bisect the exact condition
    return _bisect(balance, q, cost, tiers, t)


def _widen(root: int, slope: int, long: bool) -> int:
    """Move ``root`` toward the mark by the price the check's roundings can be worth."""
    margin = ceil_div(3 * SCALE2 * SCALE, abs(slope)) + 1
    if long:
        return max(0, root + margin)
    return max(1, root - margin)


MAX_PRICE: Final = 10**20  # far beyond any price a filter admits


def _bisect(balance: int, q: int, cost: int, tiers: IntTiers, threshold: int) -> int:
    """Return the trigger price by bisection, widened by one unit toward the mark."""
    price = boundary_price(balance, q, cost, tiers, threshold=threshold)
    return price + 1 if q > 0 else max(1, price - 1)


def boundary_price(
    balance: int, quantity: int, cost: int, tiers: IntTiers, *, threshold: int = SCALE
) -> int:
    """Return the exact trigger price: the last mark (raw) at which the check still fires.

    A long is at ``threshold`` at every mark up to the price returned (0: at none); a short
    at every mark from it up. Bisection over the exact integer condition (:class:`Figures`).
    """
    low, high = 0, MAX_PRICE
    if quantity > 0:
        while low < high:
            middle = (low + high + 1) // 2
            if _reached(balance, quantity, cost, tiers, threshold, middle):
                low = middle
            else:
                high = middle - 1
        return low
    while low < high:
        middle = (low + high) // 2
        if _reached(balance, quantity, cost, tiers, threshold, middle):
            high = middle
        else:
            low = middle + 1
    return low


def _reached(balance: int, q: int, cost: int, tiers: IntTiers, threshold: int, price: int) -> bool:
    """Tell whether a one-position unit is at ``threshold`` at ``price`` (the exact check)."""
    unrealized = floor_scaled(tiers.pnl16(q, cost, price))
    maintenance = tiers.maintenance(tiers.notional16(abs(q), price))
    return Figures(balance, unrealized, maintenance).ratio_at_least(threshold)


def bankruptcy_price(
    balance_without: int, quantity: int, cost: int, tiers: IntTiers | None = None
) -> int:
    """Return the price at which a position leaves its unit with zero margin balance.

    ``balance_without`` is the unit's margin balance without this position's unrealized PnL
    (its wallet plus the others' PnL at their marks). Linear: solves ``B + (q * P - C) /
    10**8 = 0``: ``P = (C - B * 10**8) / q``. Inverse (``tiers`` of a COIN-M symbol): solves
    ``B + (C - q * CS / P) / 10**8 = 0``: ``P = q * CS / (C + B * 10**8)``; a long whose
    balance never reaches zero there gets ``MAX_PRICE`` (bankrupt at every price), a short
    whose loss is bounded by its balance gets ``MAX_PRICE`` too (never bankrupt). Rounded toward
    the mark (a long's up, a short's down) so the unit is not left below zero by the rounding.
    Clamped to at least one raw unit.
    """
    if tiers is not None and tiers.coin16:
        return _inverse_bankruptcy_price(balance_without, quantity, cost, tiers.coin16)
    numerator = cost - balance_without * SCALE
    if quantity > 0:
        return max(1, ceil_div(numerator, quantity))
    return max(1, numerator // quantity)


def _inverse_bankruptcy_price(balance_without: int, quantity: int, cost: int, coin16: int) -> int:
    denominator = cost + balance_without * SCALE  # 10**-16 coin, same sign as q when solvable
    value = quantity * coin16
    if quantity > 0:
        return MAX_PRICE if denominator <= 0 else max(1, ceil_div(value, denominator))
    if denominator >= 0:
        return MAX_PRICE
    return max(1, value // denominator)


Holding = tuple[int, int]  # what a unit holds in one symbol: (size, +1 all long / -1 all short / 0)


def held_sides(positions: list[PositionState]) -> dict[str, Holding]:
    """Return, per symbol, the size the unit holds and the side it is all on (0: both)."""
    held: dict[str, Holding] = {}
    for position in positions:
        quantity = position.quantity
        sign = 1 if quantity > 0 else -1
        size, side = held.get(position.symbol, (0, sign))
        held[position.symbol] = (size + abs(quantity), sign if side == sign else 0)
    return held


def band_budgets(
    current: Figures, positions: int, *, call_threshold: int, called: bool, fund: bool
) -> list[tuple[int, int]]:
    """Return the ``(budget, threshold)`` pairs a multi-position unit's bands share.

    For a unit with several positions: while every symbol's mark stays within its band around
    the mark of this evaluation, no threshold can be reached (liquidation, the margin call, or
    a called unit's recovery; for a fund, zero balance). With ``f = t x balance - S x
    maintenance`` (``S`` = 10**8, ``t`` the threshold; reached when ``f <= 0``), one raw price
    unit of symbol ``s`` moves ``f`` by at most ``Q_s x (t + r_s) / S``, where ``Q_s`` is the
    size held in ``s`` and ``r_s`` the highest maintenance rate of a bracket below twice the
    notional held. The budget ``f`` (less the integer roundings, a few raw units per position)
    is shared equally by the symbols (:func:`band_room`).
    """
    balance, maintenance = current.margin_balance, current.maintenance
    slack = 4 * positions + 4  # raw units the exact check's roundings can be worth
    if fund:
        return [(SCALE * (balance - slack), SCALE)]  # reached below zero balance
    call = call_threshold * balance - SCALE * maintenance
    recovery_slack = (call_threshold + SCALE) * slack
    return [
        (SCALE * (balance - maintenance - slack), SCALE),
        (-call - recovery_slack if called else call - recovery_slack, call_threshold),
    ]


def band_room(budgets: list[tuple[int, int]], symbols: int, size: int, mark: int, rate: int) -> int:
    """Return how far (raw price) one symbol's mark may move before a re-check is due.

    The ``symbols`` held share the budgets equally; ``size`` is held in this one at ``mark``,
    ``rate`` is its ``r_s`` (0 for a fund). A band of 0 means: re-check on every move. Bands
    are capped at half the mark.
    """
    room = mark // 2
    for budget, threshold in budgets:
        if budget <= 0:
            return 0
        room = min(room, budget * SCALE // (symbols * size * (threshold + rate)))
    return room


def band_rate(tiers: IntTiers, size: int, mark: int) -> int:
    """Return ``r_s``: the highest maintenance rate of a bracket below twice the notional held."""
    return tiers.rates_up_to[tiers.index_for(tiers.notional16(2 * size, mark))]


def safe_direction(sign: int, tiers: IntTiers, call_threshold: int) -> int:
    """Return the way a symbol's mark can only make the unit safer: +1 up, -1 down, 0 none.

    ``sign`` is +1 where every position the unit holds in the symbol is long, -1 where every
    one is short, 0 for both. For longs a rising mark adds ``q`` to the margin balance per unit
    of price and at most ``q x r`` to the maintenance margin (``r`` the table's highest rate):
    the liquidation budget grows by ``q x (1 - r)`` and the margin-call budget by ``q x (t -
    r)``, so neither threshold can come nearer while ``t >= r``. Likewise a falling mark for
    shorts only. A called unit watches its recovery both ways, and a fund its balance: the
    caller passes no direction for them.
    """
    return sign if call_threshold >= tiers.rates_up_to[-1] else 0
