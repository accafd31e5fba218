"""What-if: add margin, reduce the position, or set a stop, and see the new risk.

``add-margin=X`` adds X to the position's isolated wallet (a cross position: to the cross
wallet). ``reduce=Y`` closes Y at the current mark, as the exchange settles it: the realized PnL
``floor(Y * (mark - entry) * sign)`` goes to the wallet that holds the position, and an isolated
position then hands back ``floor(wallet * Y / |Q|)`` of its wallet to the cross wallet; the
entry price stays. ``stop=Z`` is a stop-market closing the rest at Z with ``slippage`` against
the position: the loss at the stop, against the loss at liquidation (filled at the bankruptcy
price: all the margin). Fees are not counted. The figures come from the core's margin maths on
the changed account, as for the live positions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from liquidator.app.monitor.figures import margin_ratio, solve_accounts
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import AccountRisk, PositionRisk
from liquidator.core.margin.position import Position
from liquidator.core.money.fixed import Amount, Price, Qty, Rate
from liquidator.core.money.scaled import Rounding

OPERATIONS = ("add-margin", "reduce", "stop")


class WhatIfError(ValueError):
    """A what-if that cannot be read or applied; the CLI prints it on one line."""


@dataclass(frozen=True, slots=True)
class WhatIf:
    add_margin: Decimal | None = None
    reduce: Decimal | None = None
    stop: Decimal | None = None


@dataclass(frozen=True, slots=True)
class StopOutcome:
    price: Price
    fill: Price  # the stop price moved against the position by the slippage
    loss: Amount  # realized PnL at the fill (negative: a loss)
    loss_at_liquidation: Amount | None  # PnL at the bankruptcy price (None: cannot happen)
    before_liquidation: bool  # False: the liquidation price comes first


@dataclass(frozen=True, slots=True)
class WhatIfOutcome:
    before: PositionRisk
    before_ratio: Rate | None
    after: PositionRisk
    after_ratio: Rate | None
    stop: StopOutcome | None


def parse_what_if(text: str) -> WhatIf:
    """Read ``add-margin=100,reduce=0.01,stop=58000`` (each at most once, all positive)."""
    values: dict[str, Decimal] = {}
    for part in text.split(","):
        name, _, value = part.strip().partition("=")
        if name not in OPERATIONS:
            raise WhatIfError(f"{name!r} is not one of {', '.join(OPERATIONS)}")
        if name in values:
            raise WhatIfError(f"{name} is given twice")
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise WhatIfError(f"{name}={value!r} is not a number") from None
        if not number.is_finite() or number <= 0 or len(value) > 32:
            raise WhatIfError(f"{name}={value} must be a positive number")
        values[name] = number
    return WhatIf(values.get("add-margin"), values.get("reduce"), values.get("stop"))


def what_if(
    account: Account, position: Position, change: WhatIf, market: Market, slippage: Fraction
) -> WhatIfOutcome:
    """Apply ``change`` to ``position`` of ``account``; return its risk before and after."""
    before_account, before = _solve(account, position, market)
    changed_account, changed = _changed(account, position, change)
    after_account, after = _solve(changed_account, changed, market)
    stop = _stop(after, change.stop, slippage) if change.stop is not None else None
    return WhatIfOutcome(
        before,
        margin_ratio(before_account, before),
        after,
        margin_ratio(after_account, after),
        stop,
    )


def _solve(
    account: Account, position: Position, market: Market
) -> tuple[AccountRisk, PositionRisk]:
    (risk,) = solve_accounts([account], market)
    key = (position.symbol, position.side)
    found = next(p for p in risk.positions if (p.position.symbol, p.position.side) == key)
    return risk, found


def _changed(account: Account, position: Position, change: WhatIf) -> tuple[Account, Position]:
    wallet = account.cross_wallet_balance
    changed = position
    asset = position.margin_asset
    if change.add_margin is not None:
        added = Amount.of(change.add_margin, asset)
        if changed.isolated_wallet is not None:
            changed = replace(changed, isolated_wallet=changed.isolated_wallet + added)
        else:
            wallet = wallet + added
    if change.reduce is not None:
        changed, wallet = _reduce(changed, wallet, Qty.of(change.reduce))
    positions = tuple(changed if p == position else p for p in account.positions)
    return Account(wallet, positions), changed


def _reduce(position: Position, wallet: Amount, amount: Qty) -> tuple[Position, Amount]:
    size = abs(position.quantity.raw)
    if amount.raw >= size:
        raise WhatIfError(
            f"reduce={amount} must be less than the position's size {abs(position.quantity)}"
        )
    if not position.instrument.is_on_step(amount):
        raise WhatIfError(
            f"reduce={amount} is not a multiple of the step size {position.instrument.step_size}"
        )
    closed = Fraction(amount.raw * position.direction, 10**8)
    pnl = position.instrument.pnl(
        closed, position.entry_price.fraction, position.mark_price.fraction
    )
    realized = Amount.from_fraction(pnl, position.margin_asset, Rounding.FLOOR)
    quantity = Qty(position.quantity.raw - amount.raw * position.direction)
    if position.isolated_wallet is None:
        return replace(position, quantity=quantity), wallet + realized
    held = position.isolated_wallet + realized
    release = Amount.from_fraction(held.fraction * amount.raw / size, held.asset, Rounding.FLOOR)
    return replace(position, quantity=quantity, isolated_wallet=held - release), wallet + release


def _stop(risk: PositionRisk, stop: Decimal, slippage: Fraction) -> StopOutcome:
    position = risk.position
    price = Price.of(stop)
    long = position.direction > 0
    mark = position.mark_price
    if (long and price.raw >= mark.raw) or (not long and price.raw <= mark.raw):
        side = "below" if long else "above"
        raise WhatIfError(
            f"stop={stop} must be {side} the mark {mark} for a {'long' if long else 'short'}"
        )
    factor = 1 - slippage if long else 1 + slippage
    rounding = Rounding.FLOOR if long else Rounding.CEILING  # against the position
    fill = Price.from_fraction(price.fraction * factor, rounding)
    instrument, entry = position.instrument, position.entry_price.fraction
    quantity = position.quantity.fraction
    loss = Amount.from_fraction(
        instrument.pnl(quantity, entry, fill.fraction), position.margin_asset, Rounding.FLOOR
    )
    bankruptcy = risk.bankruptcy
    at_liquidation = (
        Amount.from_fraction(
            instrument.pnl(quantity, entry, bankruptcy.price.fraction),
            position.margin_asset,
            Rounding.FLOOR,
        )
        if bankruptcy
        else None
    )
    trigger = risk.liquidation.price
    first = trigger is None or (price.raw > trigger.raw if long else price.raw < trigger.raw)
    return StopOutcome(price, fill, loss, at_liquidation, first)
