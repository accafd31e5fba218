"""Rich tables of an account's risk for the terminal: one per position, one for the account."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from liquidator.adapters.input_files import printable
from liquidator.core.margin.account_risk import AccountRisk, PositionRisk
from liquidator.core.margin.liquidation_price import TriggerPrice
from liquidator.core.money.fixed import Amount, Rate, trim_raw
from liquidator.simulation.session import SessionSummary

NONE = "--"


def render_account_risk(risk: AccountRisk, console: Console) -> None:
    """Print a table per position, then the cross account's margin state."""
    for position in risk.positions:
        console.print(_position_table(position))
    console.print(_account_table(risk))


def _position_table(risk: PositionRisk) -> Table:
    position, margin = risk.position, risk.margin
    direction = "LONG" if position.direction > 0 else "SHORT"
    side = f"{position.side.value} ({direction})" if position.side.value == "BOTH" else direction
    title = f"{position.symbol} {side} · {position.margin_type.value} {position.leverage}x"
    table = _key_value_table(title)
    liquidation = risk.liquidation
    tiers = ", ".join(str(b.number) for b in liquidation.brackets)
    rows = [
        ("Size", str(position.quantity)),
        ("Entry price", str(position.entry_price)),
        ("Mark price", str(position.mark_price)),
        ("Notional", _amount(margin.notional)),
        ("Unrealized PnL", _amount(margin.unrealized_pnl)),
        ("Initial margin", _amount(margin.initial_margin)),
        ("Maintenance margin", _amount(margin.maintenance_margin)),
        (
            "Tier",
            f"{margin.bracket.number} (rate {_percent(margin.bracket.maintenance_margin_rate)})",
        ),
        ("Liquidation price", _trigger(liquidation.trigger, at_any_price=liquidation.at_any_price)),
        ("Tier at liquidation", tiers or NONE),
        ("Bankruptcy price", _trigger(risk.bankruptcy, at_any_price=False)),
        ("Distance to liquidation", _percent(risk.distance_to_liquidation())),
    ]
    if position.isolated_wallet is not None:
        rows.insert(5, ("Isolated wallet", _amount(position.isolated_wallet)))
        rows.append(("Margin ratio", _percent(risk.isolated_margin_ratio())))
    for key, value in rows:
        table.add_row(key, value)
    return table


def _account_table(risk: AccountRisk) -> Table:
    table = _key_value_table(f"Cross account ({risk.cross_wallet_balance.asset})")
    ratio = risk.margin_ratio
    shown = _percent(ratio) if ratio is not None else "no margin left"
    if risk.is_liquidatable():
        shown += " (liquidation)"
    table.add_row("Wallet balance", _amount(risk.cross_wallet_balance))
    table.add_row("Unrealized PnL", _amount(risk.cross_unrealized_pnl))
    table.add_row("Margin balance", _amount(risk.cross_margin_balance))
    table.add_row("Maintenance margin", _amount(risk.cross_maintenance_margin))
    table.add_row("Margin ratio", shown)
    return table


def _key_value_table(title: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    return table


def _amount(value: Amount) -> str:
    return f"{trim_raw(value.raw)} {value.asset}"


def _trigger(trigger: TriggerPrice | None, *, at_any_price: bool) -> str:
    if trigger is None:
        return "at any price" if at_any_price else NONE
    return f"{trigger.price} ({trigger.direction.value})"


def _percent(rate: Rate | None) -> str:
    """Return ``rate`` as a percentage with two decimals, half-even (0.41489581 → 41.49%)."""
    if rate is None:
        return NONE
    return f"{Rate(rate.raw * 100).fixed(2)}%"


def session_json(summary: SessionSummary) -> dict[str, object]:
    """Return a session summary as JSON-ready values (amounts as decimal strings)."""
    return {
        "journal": summary.journal,
        "firstSeq": summary.first_seq,
        "lastSeq": summary.last_seq,
        "commands": summary.commands,
        "accepted": summary.accepted,
        "rejected": dict(sorted(summary.rejected.items())),
        "trades": summary.trades,
        "volume": {symbol: trim_raw(raw) for symbol, raw in sorted(summary.volume.items())},
        "seconds": round(summary.seconds, 3),
        "accounts": summary.accounts,
        "openOrders": summary.open_orders,
        "openPositions": summary.open_positions,
        "systemBalances": {k: trim_raw(v) for k, v in summary.system_balances.items()},
        "ledgerBalanced": summary.ledger_balanced,
        "stateHash": summary.state_hash,
        "liquidated": summary.liquidated,
    }


def render_session(summary: SessionSummary, console: Console) -> None:
    """Print what a simulated session did and the state its journal holds."""
    table = _key_value_table(f"Session · {printable(summary.journal)}")
    rate = summary.commands / summary.seconds if summary.seconds else 0.0
    rows = [
        ("Journal sequence", f"{summary.first_seq} -> {summary.last_seq}"),
        ("Commands run", f"{summary.commands} ({rate:,.0f}/s)" if summary.seconds else "--"),
        ("Accepted", str(summary.accepted)),
        ("Rejected", ", ".join(f"{k} {v}" for k, v in summary.rejected.most_common()) or "0"),
        ("Trades", str(summary.trades)),
    ]
    rows += [(f"Volume {s}", f"{trim_raw(v)} USDT") for s, v in sorted(summary.volume.items())]
    rows += [
        ("Accounts", str(summary.accounts)),
        ("Open orders", str(summary.open_orders)),
        ("Open positions", str(summary.open_positions)),
    ]
    rows += [(name, trim_raw(amount)) for name, amount in summary.system_balances.items()]
    rows += [
        ("Ledger balanced", "yes" if summary.ledger_balanced else "NO"),
        ("State hash", summary.state_hash[:16]),
    ]
    rows.append(("Liquidated", _liquidated(summary.liquidated)))
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
    if summary.liquidated:
        first = summary.liquidated[0].split(" ")[0]
        journal = printable(summary.journal)
        console.print(f"Tell one: liquidator explain {journal} --account {first}", markup=False)


def _liquidated(names: list[str]) -> str:
    """Return who was liquidated, the first ten by name and how many more."""
    if not names:
        return "nobody"
    shown = ", ".join(names[:10])
    return f"{len(names)}: {shown}" + (f", and {len(names) - 10} more" if len(names) > 10 else "")
