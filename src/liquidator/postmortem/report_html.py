"""The post-mortem as one self-contained HTML page: no script, no CDN, works offline.

Per liquidation an inline SVG chart draws the mark path of the symbol that crashed with the
entry, our liquidation price, the bankruptcy price and the suggested stop as labelled lines,
the position's fills as dots (buys up-triangles, sells down-triangles, the liquidation's in red),
with a price axis, a time axis and a legend; the report's text follows.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from liquidator.core.money.fixed import trim_raw
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.analysis import Liquidation, Report
from liquidator.postmortem.loss import story_fills
from liquidator.postmortem.report_text import liquidation_lines, report_lines
from liquidator.postmortem.support import when
from liquidator.web import palette

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 900, 380, 90, 20, 40, 40
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#1b1f24}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccd}
.chart{border:1px solid #ccd;background:#fbfcfe}.axis{font-size:11px;fill:#556}
.legend{font-size:12px}.level{font-size:11px}ul{margin:.2em 0 .8em}li{margin:.1em 0}
p.bad{color:#a11;font-weight:600}p.good{color:#176b2c}pre{white-space:pre-wrap}
"""
LEVELS = (  # the shared colour-blind-safe palette (the dashboard and the replay report)
    ("entry", palette.ENTRY),
    ("liquidation", palette.LIQUIDATION),
    ("bankruptcy", palette.BANKRUPTCY),
    ("stop", palette.STOP),
)


def report_html(report: Report) -> str:
    body = [f"<h1>Liquidation post-mortem</h1><p>Source: {escape(report.source)}</p>"]
    for item in report.liquidations:
        lines = liquidation_lines(item, report.account)
        body.append(f"<h2>{escape(lines[0])}</h2>")
        body.append(chart(item))
        body.append(_text(lines[1:]))
    tail = report_lines(replace(report, liquidations=[], notes=[]))
    body.append(_text([line for line in tail if line]))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Liquidation post-mortem</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _text(lines: list[str]) -> str:
    out: list[str] = []
    listing = False
    for line in lines:
        item = line.startswith("  ")
        if item != listing:
            out.append("<ul>" if item else "</ul>")
            listing = item
        if item:
            out.append(f"<li>{escape(line.strip())}</li>")
        else:
            kind = (
                ' class="bad"'
                if line.startswith("NOT")
                else (' class="good"' if line.startswith("Consistent") else "")
            )
            out.append(f"<p{kind}>{escape(line)}</p>")
    if listing:
        out.append("</ul>")
    return "".join(out)


def _levels(item: Liquidation) -> list[tuple[str, str, int]]:
    stop = item.survival.stop
    values = [item.leg.entry(), item.liquidation_price, item.bankruptcy_price]
    values.append(stop.price if stop else 0)
    return [
        (name, color, value) for (name, color), value in zip(LEVELS, values, strict=True) if value
    ]


def chart(item: Liquidation) -> str:
    """Return the SVG chart of one liquidation."""
    path = item.path or [(item.case.time_ms, item.leg.entry())]
    fills = story_fills(item.case)
    levels = _levels(item)
    prices = [m for _, m in path] + [f.price for f in fills] + [v for _, _, v in levels]
    low, high = min(prices), max(prices)
    pad = max(1, (high - low) // 20)
    low, high = low - pad, high + pad
    start = min([path[0][0]] + [f.time_ms for f in fills])
    end = max([path[-1][0]] + [f.time_ms for f in fills] + [start + 1])

    def x(t: int) -> float:
        return LEFT + (t - start) * (WIDTH - LEFT - RIGHT) / (end - start)

    def y(p: int) -> float:
        return TOP + (high - p) * (HEIGHT - TOP - BOTTOM) / (high - low)

    points = " ".join(f"{x(t):.1f},{y(m):.1f}" for t, m in path)
    parts = _axes(low, high, start, end)  # gridlines under the path
    parts.append(
        f'<polyline fill="none" stroke="{palette.INK}" stroke-width="1.5" points="{points}"/>'
    )
    for number, (name, color, value) in enumerate(levels):
        left = number % 2  # labels alternate sides: close levels stay readable
        at, anchor = (LEFT + 6, "start") if left else (WIDTH - RIGHT - 4, "end")
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{color}" stroke-dasharray="6 4"/>'
            f'<text class="level" x="{at}" y="{y(value) - 4:.1f}" '
            f'text-anchor="{anchor}" fill="{color}">{name} {trim_raw(value)}</text>'
        )
    liquidation_ids = {o.order_id for o in item.case.orders}
    for fill in fills:
        parts.append(
            _marker(x(fill.time_ms), y(fill.price), fill.side, fill.order_id in liquidation_ids)
        )
    parts.append(_legend())
    return (
        f'<svg class="chart" role="img" aria-label="mark path of {escape(item.symbol)}" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">{"".join(parts)}</svg>'
    )


def _marker(cx: float, cy: float, side: str, forced: bool) -> str:
    color = palette.LIQUIDATION if forced else (palette.BUY if side == "BUY" else palette.SELL)
    d = 6 if side == "BUY" else -6
    return (
        f'<polygon points="{cx:.1f},{cy - d:.1f} {cx - 5:.1f},{cy + d:.1f} {cx + 5:.1f},{cy + d:.1f}" '
        f'fill="{color}"><title>{side} fill at {cy:.0f}</title></polygon>'
    )


def _axes(low: int, high: int, start: int, end: int) -> list[str]:
    parts = [
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#889"/>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" stroke="#889"/>',
    ]
    for step in range(5):
        price = low + (high - low) * step // 4
        top = TOP + (high - price) * (HEIGHT - TOP - BOTTOM) / (high - low)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top:.1f}" y2="{top:.1f}" '
            f'stroke="{palette.GRID}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{top + 4:.1f}" text-anchor="end">'
            f"{trim_raw(price - price % _round_to(high - low))}</text>"
        )
    for step in range(3):
        moment = start + (end - start) * step // 2
        left = LEFT + (moment - start) * (WIDTH - LEFT - RIGHT) / (end - start)
        anchor = ("start", "middle", "end")[step]
        parts.append(
            f'<text class="axis" x="{left:.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}">'
            f"{escape(when(moment)[:19])}</text>"
        )
    return parts


def _round_to(span: int) -> int:
    """Return a round step for price labels: about a hundredth of the span, a power of ten."""
    step = SCALE // 100
    while step * 1000 < span:
        step *= 10
    return step


def _legend() -> str:
    items = [
        ("mark", palette.INK),
        ("buy fill", palette.BUY),
        ("sell fill", palette.SELL),
        ("liquidation fill", palette.LIQUIDATION),
    ]
    return "".join(
        f'<rect x="{LEFT + 10 + 130 * n}" y="12" width="10" height="10" fill="{color}"/>'
        f'<text class="legend" x="{LEFT + 24 + 130 * n}" y="21">{name}</text>'
        for n, (name, color) in enumerate(items)
    )
