"""The wallet of a liquidated margin unit just before its liquidation, and where it comes from.

* A journal knows it exactly.
* A cross wallet is the sum of the account's income rows before the liquidation (its
  transfers, realized PnL, commissions, funding, fees), or the wallet the API reports now less
  the rows since; it holds the isolated wallets too, which Binance's income does not separate.
* An isolated wallet is rebuilt from the position's fills at a leverage (``positions``): the
  current setting first, then every leverage, keeping the one whose bankruptcy price is the
  liquidation order's price to the tick (Binance sends liquidation orders at the bankruptcy
  price). When none is, margin was added or removed by hand, and the wallet that price implies
  is used, said so in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from liquidator.core.contracts.market import Market
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.cases import Case
from liquidator.postmortem.figures import order_price
from liquidator.postmortem.positions import isolated_wallet
from liquidator.postmortem.records import ForcedOrder, History, Income

MAX_LEVERAGE = 125
BEFORE_LIQUIDATION = ("TRANSFER", "FUNDING_FEE")  # rows at the liquidation's ms that precede it


@dataclass(frozen=True, slots=True)
class Wallet:
    amount: int
    isolated: bool
    leverage: int | None
    source: str  # how it was found, for the report
    expected: int | None = None  # implied: the order's price the current leverage would give


def unit_wallet(case: Case, history: History, market: Market, marks: dict[str, int]) -> Wallet:
    """Return the unit's wallet before the liquidation."""
    if case.evidence is not None:
        return Wallet(case.evidence.wallet, case.evidence.isolated, None, "the journal")
    cross = _cross(case, history)
    if case.isolated is False or (case.isolated is None and len(case.legs) > 1):
        return Wallet(cross, False, None, "the income history")
    if case.isolated is None and _matches(case, cross, market, marks):
        return Wallet(cross, False, None, "the income history")
    if len(case.legs) == 1:
        return _isolated(case, history, market) or _implied(case, history, market)
    return Wallet(cross, False, None, "the income history (the order's price differs)")


def _cross(case: Case, history: History) -> int:
    start = case.time_ms
    if history.wallet_now is not None:
        after = [i for i in history.income if i.time_ms > start or _at_liquidation(i, start)]
        return history.wallet_now - sum(i.amount for i in after if i.asset == history.asset)
    before = [i for i in history.income if i.time_ms < start or _before_at(i, start)]
    return sum(i.amount for i in before if i.asset == history.asset)


def _before_at(row: Income, start: int) -> bool:
    return row.time_ms == start and row.kind in BEFORE_LIQUIDATION


def _at_liquidation(row: Income, start: int) -> bool:
    return row.time_ms == start and not _before_at(row, start)


def _matches(case: Case, wallet: int, market: Market, marks: dict[str, int]) -> bool:
    order = case.orders[0]
    leg = next((g for g in case.legs if (g.symbol, g.position_side) == _key(order)), None)
    if leg is None:
        return False
    return order_price(wallet, case.legs, marks, leg, market) == order.price


def _key(order: ForcedOrder) -> tuple[str, str]:
    return order.symbol, order.position_side


def _isolated(case: Case, history: History, market: Market) -> Wallet | None:
    leg = case.legs[0]
    funding = _funding(case, history)
    hint = history.leverage.get(leg.symbol)
    order = case.orders[0]
    for leverage in ([hint] if hint else []) + list(range(1, MAX_LEVERAGE + 1)):
        wallet = isolated_wallet(leg, funding, leverage)
        if order_price(wallet, [leg], {}, leg, market) == order.price:
            return Wallet(wallet, True, leverage, f"{leverage}x isolated, rebuilt from the fills")
    return None


def _implied(case: Case, history: History, market: Market) -> Wallet:
    """Return the isolated wallet that puts the bankruptcy price at the order's price, and the
    price the current leverage would have given (to tell the difference)."""
    leg, order = case.legs[0], case.orders[0]
    wallet = -leg.pnl16(order.price) // SCALE
    hint = history.leverage.get(leg.symbol)
    expected = None
    if hint:
        rebuilt = isolated_wallet(leg, _funding(case, history), hint)
        expected = order_price(rebuilt, [leg], {}, leg, market)
    return Wallet(wallet, True, None, "implied by the liquidation order's price", expected)


def _funding(case: Case, history: History) -> list[Income]:
    symbol = case.legs[0].symbol
    return [
        i
        for i in history.income
        if i.kind == "FUNDING_FEE" and i.symbol == symbol and i.time_ms <= case.time_ms
    ]
