"""``liquidator monitor --what-if``: the account's positions before and after a change."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from rich.console import Console
from rich.table import Table

from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.whatif import WhatIf, WhatIfError, WhatIfOutcome, what_if
from liquidator.core.margin.account_risk import PositionRisk
from liquidator.core.money.fixed import Rate
from liquidator.core.money.scaled import Rounding

NONE = "--"


def print_what_if(
    book: AccountBook, change: WhatIf, symbols: frozenset[str], slippage: Fraction, *, as_json: bool
) -> dict[str, Any]:
    """Apply ``change`` to each position shown; print the tables (unless ``as_json``)."""
    outcomes = []
    for account in book.accounts():
        for position in account.positions:
            if not symbols or position.symbol in symbols:
                outcomes.append(what_if(account, position, change, book.market, slippage))
    if not outcomes:
        where = f" in {', '.join(sorted(symbols))}" if symbols else ""
        raise WhatIfError(f"the account has no open position{where}")
    bodies = [_outcome_json(outcome, slippage) for outcome in outcomes]
    if not as_json:
        console = Console()
        for outcome, body in zip(outcomes, bodies, strict=True):
            console.print(_table(outcome, body))
    return {"positions": bodies}


def _figures(risk: PositionRisk, ratio: Rate | None) -> dict[str, Any]:
    liquidation, bankruptcy = risk.liquidation.price, risk.bankruptcy
    wallet = risk.position.isolated_wallet
    return {
        "positionAmt": risk.position.quantity.fixed(),
        "isolatedWallet": wallet.fixed() if wallet else "0",
        "crossWalletBalance": risk.shared.wallet.fixed() if risk.position.is_cross else None,
        "liquidationPrice": liquidation.fixed() if liquidation else "0",
        "bankruptcyPrice": bankruptcy.price.fixed() if bankruptcy else "0",
        "marginRatio": ratio.fixed() if ratio is not None else None,
        "liquidationDistance": _fixed(risk.distance_to_liquidation()),
    }


def _fixed(rate: Rate | None) -> str | None:
    return rate.fixed() if rate is not None else None


def _outcome_json(outcome: WhatIfOutcome, slippage: Fraction) -> dict[str, Any]:
    position = outcome.before.position
    body: dict[str, Any] = {
        "symbol": position.symbol,
        "positionSide": position.side.value,
        "marginType": position.margin_type.value,
        "markPrice": position.mark_price.fixed(),
        "before": _figures(outcome.before, outcome.before_ratio),
        "after": _figures(outcome.after, outcome.after_ratio),
    }
    stop = outcome.stop
    if stop is not None:
        body["stop"] = {
            "stopPrice": stop.price.fixed(),
            "slippage": Rate.from_fraction(slippage, Rounding.FLOOR).fixed(),
            "fillPrice": stop.fill.fixed(),
            "pnlAtStop": stop.loss.fixed(),
            "pnlAtLiquidation": stop.loss_at_liquidation.fixed()
            if stop.loss_at_liquidation
            else None,
            "stopBeforeLiquidation": stop.before_liquidation,
        }
    return body


ROWS = (
    ("Size", "positionAmt"),
    ("Isolated wallet", "isolatedWallet"),
    ("Cross wallet", "crossWalletBalance"),
    ("Liquidation price", "liquidationPrice"),
    ("Bankruptcy price", "bankruptcyPrice"),
    ("Margin ratio", "marginRatio"),
    ("Distance to liquidation", "liquidationDistance"),
)


def _table(outcome: WhatIfOutcome, body: dict[str, Any]) -> Table:
    position = outcome.before.position
    kind, mark = position.margin_type.value, position.mark_price
    table = Table(title=f"What if: {position.symbol} {position.side.value} · {kind} · mark {mark}")
    for column in ("", "now", "after"):
        table.add_column(column, justify="left" if not column else "right")
    for label, key in ROWS:
        before, after = body["before"][key], body["after"][key]
        if before in (None, "0") and after in (None, "0") and "allet" in label:
            continue
        shown = _percent if key in ("marginRatio", "liquidationDistance") else _plain
        table.add_row(label, shown(before), shown(after))
    stop = body.get("stop")
    if stop:
        table.add_row(
            "Stop (fill with slippage)",
            "",
            f"{_plain(stop['stopPrice'])} ({_plain(stop['fillPrice'])})",
        )
        table.add_row("PnL at the stop", "", _plain(stop["pnlAtStop"]))
        table.add_row("PnL at liquidation", "", _plain(stop["pnlAtLiquidation"]))
        if not stop["stopBeforeLiquidation"]:
            table.add_row("Warning", "", "the liquidation price comes before the stop")
    return table


def _plain(value: str | None) -> str:
    if value is None or value == "0":
        return NONE
    return value.rstrip("0").rstrip(".") if "." in value else value


def _percent(value: str | None) -> str:
    if value is None:
        return NONE
    return f"{Decimal(value) * 100:.2f}%"
