"""A plan to rebuild after a liquidation: re-enter smaller, with room and a stop.

With the capital left (the wallet the API reports now, or the income history's sum):

* **leverage**: at most the one that would have survived the worst mark seen, never more than
  the one that was liquidated;
* **stop**: halfway between the entry and the new position's liquidation price, so that a
  fast market's slippage still fills it before the liquidation;
* **size**: what loses at most 2% of the capital at that stop, taker fees included (capped by
  the capital at that leverage);
* its exact isolated liquidation price (the core's), the loss at the stop against the loss at
  liquidation (the whole margin).
"""

from __future__ import annotations

from dataclasses import dataclass

from liquidator.core.contracts.market import Market
from liquidator.core.margin.unit import IntTiers, boundary_price
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.figures import tick_of, tiers_of
from liquidator.postmortem.positions import Leg
from liquidator.postmortem.records import History
from liquidator.postmortem.survival import TAKER_RATE, Survival
from liquidator.postmortem.wallet import Wallet

RISK_BPS = 200  # 2% of the capital at the stop


@dataclass(frozen=True, slots=True)
class Rebuild:
    capital: int
    price: int  # the last mark: the entry of the plan
    leverage: int
    quantity: int  # unsigned
    margin: int
    liquidation_price: int
    stop: int
    loss_at_stop: int
    loss_at_liquidation: int


def capital_left(history: History) -> int:
    if history.wallet_now is not None:
        return history.wallet_now
    return sum(i.amount for i in history.income if i.asset == history.asset)


def rebuild_plan(
    history: History, leg: Leg, wallet: Wallet, saved: Survival, market: Market
) -> Rebuild | None:
    """Return the plan, or None when no capital is left or no leverage would have survived."""
    capital = capital_left(history)
    path = history.marks.get(leg.symbol) or [(0, leg.entry())]
    price = path[-1][1]
    used = wallet.leverage or max(1, abs(leg.cost) // SCALE // max(1, wallet.amount))
    leverage = min(saved.max_leverage, used)
    if capital <= 0 or leverage < 1 or price <= 0:
        return None
    long = leg.quantity > 0
    tiers, tick = tiers_of(market, leg.symbol), tick_of(market, leg.symbol)
    probe = _liquidation(capital * leverage * SCALE // price, long, price, leverage, tiers)
    stop = (price + probe) // 2  # halfway to the liquidation price: room for slippage
    stop = stop - stop % tick if long else -(-stop // tick) * tick
    per_unit = abs(price - stop) + 2 * price * TAKER_RATE // SCALE  # raw, per unit of size
    risk = capital * RISK_BPS // 10_000
    quantity = min(risk * SCALE // per_unit, capital * leverage * SCALE // price)
    quantity -= quantity % _step(market, leg.symbol)
    if quantity <= 0:
        return None
    margin = -(-quantity * price // (SCALE * leverage))
    liquidation = _liquidation(quantity, long, price, leverage, tiers)
    return Rebuild(
        capital=capital,
        price=price,
        leverage=leverage,
        quantity=quantity,
        margin=margin,
        liquidation_price=liquidation,
        stop=stop,
        loss_at_stop=quantity * per_unit // SCALE,
        loss_at_liquidation=margin,
    )


def _liquidation(quantity: int, long: bool, price: int, leverage: int, tiers: IntTiers) -> int:
    """Return the exact liquidation price of an isolated position opened at ``price``."""
    signed = quantity if long else -quantity
    margin = -(-quantity * price // (SCALE * leverage))
    return boundary_price(margin, signed, signed * price, tiers)


def _step(market: Market, symbol: str) -> int:
    instrument = market.instrument(symbol)
    return instrument.step_size.raw if instrument else 1
