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
    budget16 = capital * leverage * SCALE  # the notional the capital carries at that leverage
    probe = _liquidation(tiers.size_within(budget16, price), long, price, leverage, tiers)
    stop = (price + probe) // 2  # halfway to the liquidation price: room for slippage
    stop = stop - stop % tick if long else -(-stop // tick) * tick
    per_unit = _loss_per_unit(long, price, stop, tiers)  # raw, per whole unit of size
    risk = capital * RISK_BPS // 10_000
    quantity = min(risk * SCALE // per_unit, tiers.size_within(budget16, price))
    quantity -= quantity % _step(market, leg.symbol)
    if quantity <= 0:
        return None
    margin = _margin(quantity, price, leverage, tiers)
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


def _loss_per_unit(long: bool, price: int, stop: int, tiers: IntTiers) -> int:
    """Return what one whole unit (a coin, or a contract) opened at ``price`` loses closed at
    ``stop``, with a taker fee each way (raw, at least 1): ``|price - stop|`` plus the fees for
    a linear contract, ``CS x |1/stop - 1/price|`` coin for an inverse one."""
    signed = SCALE if long else -SCALE
    moved = -(tiers.pnl16(signed, tiers.value16(signed, price), stop) // SCALE)
    fees = 2 * tiers.notional16(SCALE, price) * TAKER_RATE // (SCALE * SCALE)
    return max(1, moved + fees)


def _margin(quantity: int, price: int, leverage: int, tiers: IntTiers) -> int:
    """Return the isolated margin of ``quantity`` opened at ``price``: notional / leverage, up."""
    return -(-tiers.notional16(quantity, price) // (SCALE * leverage))


def _liquidation(quantity: int, long: bool, price: int, leverage: int, tiers: IntTiers) -> int:
    """Return the exact liquidation price of an isolated position opened at ``price``."""
    signed = quantity if long else -quantity
    margin = _margin(quantity, price, leverage, tiers)
    return boundary_price(margin, signed, tiers.value16(signed, price), tiers)


def _step(market: Market, symbol: str) -> int:
    instrument = market.instrument(symbol)
    return instrument.step_size.raw if instrument else 1
