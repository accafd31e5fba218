"""Is a liquidation consistent with Binance's published rules? Each rule, checked exactly.

1. The mark reached the liquidation price (margin ratio 100%) by the liquidation, and not a
   whole minute before it (liquidation is immediate).
2. Each liquidation order was sent at the bankruptcy price (rounded to the tick).
3. It filled at the bankruptcy price or better: what the book could not fill better went to the
   insurance fund or to ADL at the bankruptcy price, never worse.
4. The clearance fee is at most the symbol's ``liquidationFee`` rate of the filled notional,
   and at most the margin that was left.
5. It closed no more than the position.

A difference is reported with both figures; the report then drafts a note for Binance's support.
"""

from __future__ import annotations

from dataclasses import dataclass

from liquidator.core.contracts.market import Market
from liquidator.core.money.fixed import trim_raw
from liquidator.core.money.scaled import SCALE2
from liquidator.postmortem.cases import Case
from liquidator.postmortem.records import ForcedOrder

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Difference:
    rule: str
    ours: str
    binance: str
    order_id: int
    time_ms: int


@dataclass(frozen=True, slots=True)
class Prices:
    """Our figures for the checks."""

    liquidation: int  # 0: the unit is never liquidated in this symbol
    order_prices: dict[int, tuple[int, int]]  # order id -> our bankruptcy price (a range)
    long: bool
    worst_by_liquidation: int  # the worst mark from the opening to the liquidation
    first_beyond_ms: int | None  # when the mark first passed our liquidation price
    exact_marks: bool  # a journal's marks (else 1-minute mark bars)


def differences(
    case: Case, prices: Prices, market: Market, margin_left: int | None
) -> list[Difference]:
    """Return every rule the liquidation breaks (empty: consistent)."""
    found = _trigger(case, prices)
    for order in case.orders:
        found += _order(order, prices)
    found += _fee(case, market, margin_left)
    return found


def _trigger(case: Case, prices: Prices) -> list[Difference]:
    first = case.orders[0]
    if not prices.liquidation:
        return [
            Difference(
                "liquidated although our maths finds no liquidation price",
                "none",
                trim_raw(first.price),
                first.order_id,
                first.time_ms,
            )
        ]
    worst, ours = prices.worst_by_liquidation, prices.liquidation
    if not (worst <= ours if prices.long else worst >= ours):
        return [
            Difference(
                "the mark never reached the liquidation price before the liquidation",
                f"liquidation price {trim_raw(ours)}",
                f"worst mark {trim_raw(worst)}",
                first.order_id,
                first.time_ms,
            )
        ]
    start = first.time_ms if prices.exact_marks else first.time_ms - first.time_ms % MINUTE_MS
    passed = prices.first_beyond_ms
    if passed is not None and passed < start:
        return [
            Difference(
                "the mark passed the liquidation price well before the liquidation",
                f"passed at {passed} ms",
                f"liquidated at {first.time_ms} ms",
                first.order_id,
                first.time_ms,
            )
        ]
    return []


def _order(order: ForcedOrder, prices: Prices) -> list[Difference]:
    found = []
    ours = prices.order_prices.get(order.order_id)
    if ours is not None and not ours[0] <= order.price <= ours[1]:
        shown = (
            trim_raw(ours[0])
            if ours[0] == ours[1]
            else f"{trim_raw(ours[0])} to {trim_raw(ours[1])}"
        )
        found.append(
            Difference(
                "the liquidation order is not at the bankruptcy price",
                shown,
                trim_raw(order.price),
                order.order_id,
                order.time_ms,
            )
        )
    worse = order.average < order.price if prices.long else order.average > order.price
    if order.executed and worse:
        found.append(
            Difference(
                "filled worse than the bankruptcy price",
                f"at least {trim_raw(order.price)}"
                if prices.long
                else f"at most {trim_raw(order.price)}",
                trim_raw(order.average),
                order.order_id,
                order.time_ms,
            )
        )
    return found


def _notional16(quantity: int, price: int, contract_size: int) -> int:
    """Return a fill's notional (10**-16 of the margin asset): ``q * P``, or ``q * CS / P``
    coin rounded up for an inverse contract (a cap: the account's side)."""
    if not contract_size:
        return quantity * price
    return -(-quantity * contract_size * SCALE2 // max(price, 1))


def _fee(case: Case, market: Market, margin_left: int | None) -> list[Difference]:
    charged = -sum(
        i.amount
        for i in case.income
        if i.kind == "INSURANCE_CLEAR" and i.amount < 0 and case.time_ms <= i.time_ms <= case.end_ms
    )
    cap = 0
    for order in case.orders:
        instrument = market.instrument(order.symbol)
        rate = instrument.liquidation_fee_rate.raw if instrument else 0
        fills = [(f.quantity, f.price) for f in case.fills if f.order_id == order.order_id]
        fills = fills or [(order.executed, order.average)]
        size = instrument.contract_size if instrument and instrument.is_inverse else 0
        notional16 = sum(_notional16(q, p, size) for q, p in fills)
        cap += -(-notional16 * rate // SCALE2)
    limit = cap if margin_left is None else min(cap, max(0, margin_left))
    if charged <= limit:
        return []
    first = case.orders[0]
    return [
        Difference(
            "the clearance fee is above the liquidation fee rate or the margin left",
            f"at most {trim_raw(limit)} (the fee rate's {trim_raw(cap)})",
            trim_raw(charged),
            first.order_id,
            first.time_ms,
        )
    ]
