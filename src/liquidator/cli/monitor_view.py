"""How ``liquidator monitor`` shows its lines: JSON lines, or a live rich table.

A position's JSON line has ``liquidator risk --json``'s fields (Binance's names from
``positionRisk`` with ``liquidationPrice`` ours, plus ``bankruptcyPrice``,
``liquidationDistance``) and the monitor's: ``breakEvenPrice`` (Binance's, ``"0"`` if not
told), ``marginRatio`` (the cross account's for a cross position), ``adl``,
``binanceLiquidationPrice`` and ``liquidationPriceDiffers`` (at the last REST snapshot),
``liquidationDistanceSigma`` with ``sigmaDaily`` and ``volatilityWindow``, ``lastFundingRate``,
``nextFundingTime``, ``updateTime``. A line is printed when any figure of its position changed;
a position that closed gets one last line with ``positionAmt`` ``"0"``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from liquidator.adapters.binance.risk_json import position_risk_json
from liquidator.app.monitor.alerts import Alert
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import PositionKey
from liquidator.app.monitor.figures import PositionLine
from liquidator.core.money.fixed import Price, Rate

NONE = "--"


def line_json(line: PositionLine, window: str) -> dict[str, Any]:
    """Return one position's line: ``positionRisk`` names, ours, and the monitor's figures."""
    body = position_risk_json(line.risk)
    sigma = line.sigma_distance()
    funding = line.funding
    body |= {
        "breakEvenPrice": _price(line.break_even),
        "marginRatio": _rate(line.margin_ratio),
        "adl": line.adl,
        "binanceLiquidationPrice": _price(line.reported),
        "liquidationPriceDiffers": line.differs,
        "liquidationDistanceSigma": round(sigma, 4) if sigma is not None else None,
        "sigmaDaily": round(line.sigma, 6) if line.sigma is not None else None,
        "volatilityWindow": window,
        "lastFundingRate": _rate(funding.rate) if funding else None,
        "nextFundingTime": funding.next_ms if funding else None,
        "updateTime": line.ts_ms,
    }
    return body


class LineEncoder:
    """Encode each line once however many outputs ask for it (``--json`` and ``--web``).

    Lines are new objects every tick; the last ``KEPT`` are remembered by identity (each with
    the line itself, so its id is not reused while remembered). Every caller gets its own copy.
    """

    KEPT = 4096

    def __init__(self, window: str) -> None:
        self.window = window
        self.done: dict[int, tuple[PositionLine, dict[str, Any]]] = {}

    def __call__(self, line: PositionLine) -> dict[str, Any]:
        found = self.done.get(id(line))
        if found is None or found[0] is not line:
            if len(self.done) >= self.KEPT:
                self.done.clear()
            found = self.done[id(line)] = (line, line_json(line, self.window))
        return dict(found[1])


def _rate(rate: Rate | None) -> str | None:
    return rate.fixed() if rate is not None else None


def _price(price: Price | None) -> str:
    return price.fixed() if price is not None else "0"


def status_line(message: str) -> None:
    sys.stderr.write(f"liquidator monitor: {message}\n")
    sys.stderr.flush()


class JsonOutput:
    """One JSON line per changed position and per alert, on standard output."""

    def __init__(
        self, window: str, stream: TextIO | None = None, encode: LineEncoder | None = None
    ) -> None:
        self.window = window
        self.stream = stream or sys.stdout
        self.encode = encode or LineEncoder(window)
        self.shown: dict[PositionKey, str] = {}

    def lines(self, lines: list[PositionLine], book: AccountBook) -> None:
        current = {}
        for line in lines:
            body = self.encode(line)
            stamp = body.pop("updateTime")
            text = json.dumps(body)
            current[line.key] = text
            if self.shown.get(line.key) != text:
                self._write(body | {"updateTime": stamp})
        for symbol, side in sorted(set(self.shown) - set(current), key=str):
            closed = {"symbol": symbol, "positionSide": side.value, "positionAmt": "0"}
            self._write(closed | {"updateTime": book.updated_ms})
        self.shown = current
        self.stream.flush()

    def alert(self, alert: Alert) -> None:
        self._write(alert.to_json())
        self.stream.flush()

    def status(self, message: str) -> None:
        status_line(message)

    def _write(self, body: dict[str, Any]) -> None:
        self.stream.write(json.dumps(body) + "\n")


class TableOutput:
    """A rich table of the positions, redrawn in place on a terminal; alerts printed above."""

    def __init__(self, window: str, console: Console | None = None) -> None:
        self.window = window
        self.console = console or Console()
        self.live: Live | None = None
        if self.console.is_terminal:
            self.live = Live(console=self.console, auto_refresh=False)
            self.live.start()

    def lines(self, lines: list[PositionLine], book: AccountBook) -> None:
        table = position_table(lines, book, self.window)
        if self.live is not None:
            self.live.update(table, refresh=True)
        else:
            self.console.print(table)

    def alert(self, alert: Alert) -> None:
        self.console.print(f"[bold red]ALERT {alert.kind.value}[/]: {alert.message}")

    def status(self, message: str) -> None:
        status_line(message)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()


COLUMNS = (
    "Symbol", "Position", "Size", "Entry", "Mark", "Liquidation", "Binance's", "Bankruptcy",
    "Margin", "Distance", "σ away", "ADL", "Funding", "Next",
)  # fmt: skip


def position_table(lines: list[PositionLine], book: AccountBook, window: str) -> Table:
    """Return the positions as one table, the cross accounts' state in its caption."""
    when = datetime.fromtimestamp(book.updated_ms / 1000, UTC).strftime("%H:%M:%S UTC")
    table = Table(title=f"liquidator monitor · {when}", caption=_caption(lines, window))
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in ("Symbol", "Position") else "right")
    for line in lines:
        table.add_row(*_row(line))
    return table


def _row(line: PositionLine) -> list[str]:
    risk = line.risk
    position = risk.position
    side = "LONG" if position.direction > 0 else "SHORT"
    kind = "iso" if position.isolated_wallet is not None else "cross"
    liquidation = risk.liquidation.trigger
    distance = risk.distance_to_liquidation()
    sigma = line.sigma_distance()
    funding = line.funding
    falling = position.direction > 0  # a long's prices are reached from above: shown rounded up
    reported = _shown_price(line.reported, up=falling)
    return [
        position.symbol,
        f"{side} {kind} {position.leverage}x",
        str(abs(position.quantity)),
        _shown_price(position.entry_price, up=falling),
        str(position.mark_price),
        _shown_price(liquidation.price if liquidation else None, up=falling),
        f"[yellow]{reported} ≠[/]" if line.differs else reported,
        _shown_price(risk.bankruptcy.price if risk.bankruptcy else None, up=falling),
        _percent(line.margin_ratio),
        _percent(distance),
        f"{sigma:.2f}σ" if sigma is not None else NONE,
        str(line.adl) if line.adl is not None else NONE,
        _percent(funding.rate, places=4) if funding else NONE,
        _time(funding.next_ms) if funding and funding.next_ms else NONE,
    ]


def _shown_price(price: Price | None, *, up: bool) -> str:
    """Return a price for the table: 2 decimals (6 below 10), rounded toward the safe side.

    The JSON lines carry every price exactly; the table only has to be read at a glance.
    """
    if price is None:
        return NONE
    value = price.to_decimal()
    step = Decimal("0.01") if value >= 10 else Decimal("0.000001")
    shown = value.quantize(step, rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return f"{shown.normalize():f}" if shown == shown.to_integral_value() else f"{shown:f}"


def _caption(lines: list[PositionLine], window: str) -> str:
    seen = set()
    parts = []
    for line in lines:
        position = line.risk.position
        if position.is_cross and position.margin_asset not in seen:
            seen.add(position.margin_asset)
            parts.append(
                f"cross {position.margin_asset} margin ratio {_percent(line.margin_ratio)}"
            )
    parts.append(f"σ: daily, from 1m mark closes over {window}")
    return " · ".join(parts)


def _percent(rate: Rate | None, places: int = 2) -> str:
    if rate is None:
        return NONE
    return f"{rate.to_decimal() * 100:.{places}f}%"


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M UTC")
