"""An account's risk as JSON with Binance's field names (``positionRisk`` and ``account``).

Numbers are decimal strings with 8 places, as Binance prints them. A price that does not exist
(a position that cannot be liquidated) is ``"0"``, as in Binance's ``liquidationPrice``.
"""

from __future__ import annotations

from typing import Any

from liquidator.core.margin.account_risk import AccountRisk, AssetTotals, PositionRisk
from liquidator.core.margin.liquidation_price import TriggerPrice
from liquidator.core.money.fixed import Amount, Rate


def account_risk_json(risk: AccountRisk) -> dict[str, Any]:
    """Return the whole report: the cross account, per-asset totals and every position."""
    return {
        "asset": risk.cross_wallet_balance.asset,
        "crossWalletBalance": _amount(risk.cross_wallet_balance),
        "crossUnPnl": _amount(risk.cross_unrealized_pnl),
        "marginBalance": _amount(risk.cross_margin_balance),
        "maintMargin": _amount(risk.cross_maintenance_margin),
        "marginRatio": _rate(risk.margin_ratio),
        "liquidatable": risk.is_liquidatable(),
        "assets": [_totals(t) for t in risk.totals],
        "positions": [position_risk_json(p) for p in risk.positions],
    }


def position_risk_json(risk: PositionRisk) -> dict[str, Any]:
    """Return one position in ``positionRisk`` names, plus bankruptcy price and brackets."""
    position, margin = risk.position, risk.margin
    liquidation = risk.liquidation
    sign = position.direction
    return {
        "symbol": position.symbol,
        "positionSide": position.side.value,
        "positionAmt": position.quantity.fixed(),
        "entryPrice": position.entry_price.fixed(),
        "markPrice": position.mark_price.fixed(),
        "marginType": position.margin_type.value,
        "isolatedWallet": _amount(position.isolated_wallet) if position.isolated_wallet else "0",
        "leverage": str(position.leverage),
        "marginAsset": position.margin_asset,
        "notional": _amount(margin.notional if sign > 0 else -margin.notional),
        "unRealizedProfit": _amount(margin.unrealized_pnl),
        "initialMargin": _amount(margin.initial_margin),
        "maintMargin": _amount(margin.maintenance_margin),
        "maintMarginRatio": margin.bracket.maintenance_margin_rate.fixed(),
        "bracket": margin.bracket.number,
        "liquidationPrice": _price(liquidation.trigger),
        "liquidationBracket": [b.number for b in liquidation.brackets],
        "liquidationDistance": _rate(risk.distance_to_liquidation()),
        "liquidatableAtAnyPrice": liquidation.at_any_price,
        "bankruptcyPrice": _price(risk.bankruptcy),
        "isolatedMarginRatio": _rate(risk.isolated_margin_ratio()),
    }


def _totals(totals: AssetTotals) -> dict[str, str]:
    return {
        "asset": totals.asset,
        "walletBalance": _amount(totals.wallet_balance),
        "unrealizedProfit": _amount(totals.unrealized_pnl),
        "marginBalance": _amount(totals.margin_balance),
        "maintMargin": _amount(totals.maintenance_margin),
        "initialMargin": _amount(totals.initial_margin),
    }


def _amount(value: Amount) -> str:
    return value.fixed()


def _price(trigger: TriggerPrice | None) -> str:
    return trigger.price.fixed() if trigger else "0"


def _rate(value: Rate | None) -> str | None:
    return value.fixed() if value is not None else None
