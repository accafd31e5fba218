"""Where the margin went: the loss of one liquidation split to the last unit.

From the position's opening to the end of its liquidation, in the margin asset:

* ``priceMove``: the realized PnL of every fill of the unit's positions, the liquidation's
  included; split for the reader into the move to our liquidation price and what the
  liquidation's fills got beyond it;
* ``funding``: the FUNDING_FEE rows of its symbols while it was open;
* ``commission``: the trading commissions of its fills (liquidation orders pay none);
* ``clearanceFee``: the INSURANCE_CLEAR rows the liquidation charged (negative);
* ``insuranceCover``: what the insurance fund paid in to bring a bankrupt wallet back to zero.

``total`` is their sum: what the account's wallet lost over the story, as its income rows
(and the ledger) have it.
"""

from __future__ import annotations

from dataclasses import dataclass

from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.cases import Case
from liquidator.postmortem.records import Fill


@dataclass(frozen=True, slots=True)
class Loss:
    price_move: int
    to_liquidation_price: int  # part of price_move: the positions marked to our price
    funding: int
    commission: int  # negative: paid
    clearance_fee: int  # negative: paid
    insurance_cover: int

    @property
    def beyond_liquidation_price(self) -> int:
        return self.price_move - self.to_liquidation_price

    @property
    def total(self) -> int:
        return (
            self.price_move
            + self.funding
            + self.commission
            + self.clearance_fee
            + self.insurance_cover
        )


def split_loss(case: Case, marks: dict[str, int]) -> Loss:
    """Return the loss split of ``case``; ``marks`` hold our liquidation price (0: none)."""
    fills = story_fills(case)
    own = {(f.symbol, f.trade_id) for f in case.fills}
    realized = sum(f.realized_pnl for f in fills)
    before = sum(f.realized_pnl for f in fills if (f.symbol, f.trade_id) not in own)
    marked = sum(leg.pnl16(marks[leg.symbol]) // SCALE for leg in case.legs)
    during = [i for i in case.income if case.time_ms <= i.time_ms <= case.end_ms]
    clear = [i.amount for i in during if i.kind == "INSURANCE_CLEAR"]
    funding = [i.amount for i in case.income if i.kind == "FUNDING_FEE"]
    return Loss(
        price_move=realized,
        to_liquidation_price=before + marked if all(marks.values()) else realized,
        funding=sum(funding),
        commission=-sum(f.commission for f in fills),
        clearance_fee=sum(a for a in clear if a < 0),
        insurance_cover=sum(a for a in clear if a > 0),
    )


def story_fills(case: Case) -> list[Fill]:
    """Return the unit's fills since its positions opened, the liquidation's included."""
    seen: set[tuple[str, int]] = set()
    fills: list[Fill] = []
    for fill in [*(f for leg in case.legs for f in leg.fills), *case.fills]:
        if (fill.symbol, fill.trade_id) not in seen:
            seen.add((fill.symbol, fill.trade_id))
            fills.append(fill)
    return fills
