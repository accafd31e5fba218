"""The replay report: one self-contained HTML page with inline SVG charts that opens offline.

Charts: the prices (mark, index, last) with long and short liquidations marked; liquidations per
interval, long and short stacked; the insurance funds' margin balance; open positions per symbol;
the population's margin ratios over time (median, 90th and 99th percentiles); a heatmap of where
the liquidation prices sit over time; the ADL queue (positions per quantile). Every chart has a
legend in HTML (colour swatches a reader and a test can read), time and value axes with ticks and
gridlines, hover values (SVG titles) and zoom (the wheel over a chart; a double click resets).
Colours are Okabe and Ito's colour-blind-safe palette, as on the dashboard. Above them, the
summary with units.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import UTC, datetime

from liquidator.core.money.fixed import SCALE
from liquidator.simulation.replay import ReplayResult
from liquidator.simulation.replay_result import fund_group
from liquidator.web import palette

WIDTH, HEIGHT = 1100, 280
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 12, 36
PALETTE = {
    "mark": palette.MARK,
    "index": palette.INDEX,
    "last": palette.LAST,
    "long": palette.LONG,
    "short": palette.SHORT,
    "fund": palette.FUND,
    "median": palette.BLUE,
    "p90": palette.ORANGE,
    "p99": palette.VERMILLION,
}
SYMBOL_COLORS = palette.SERIES
FUND_COLORS = (palette.FUND, palette.ORANGE, palette.BLUE, palette.PURPLE, palette.VERMILLION)
QUANTILE_COLORS = palette.SEQUENTIAL
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1140px}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d4d9;padding:3px 8px;"
    "text-align:right;font-variant-numeric:tabular-nums}th{text-align:left;background:#f3f5f7;"
    "font-weight:500}figure{margin:28px 0}figcaption{font-weight:600;margin-bottom:4px}"
    "svg{background:#fff;border:1px solid #d0d4d9;display:block;cursor:zoom-in}"
    "svg text{font-size:11px;font-variant-numeric:tabular-nums}"
    ".tick{fill:#4a525c}.grid{stroke:#e6e9ed}.frame{stroke:#8a939d}"
    ".legend{font-size:12px;color:#333;margin:2px 0 4px}.legend i{display:inline-block;width:12px;"
    "height:12px;margin:0 4px 0 12px;vertical-align:-2px;border-radius:2px}.note{color:#555}"
)
ZOOM = (
    "document.querySelectorAll('svg[data-zoom]').forEach(function(s){var w=s.viewBox.baseVal;"
    "var x0=w.x,w0=w.width;s.addEventListener('wheel',function(e){e.preventDefault();"
    "var r=s.getBoundingClientRect(),f=e.deltaY<0?0.8:1.25,cx=w.x+(e.clientX-r.left)/r.width*w.width;"
    "var nw=Math.min(w0,Math.max(w0/50,w.width*f));w.x=Math.max(x0,Math.min(x0+w0-nw,cx-(cx-w.x)*nw/w.width));"
    "w.width=nw;},{passive:false});s.addEventListener('dblclick',function(){w.x=x0;w.width=w0;});});"
)
SUMMARY_LABELS = {
    "ticks": ("Price ticks replayed", ""),
    "traders": ("Traders", ""),
    "opened": ("Positions opened", ""),
    "liquidations": ("Liquidations", ""),
    "liquidated_notional": ("Liquidated notional", "USDT"),
    "partial": ("Partial liquidations", ""),
    "full": ("Full liquidations", ""),
    "clearance_fees": ("Clearance fees to the funds", "USDT"),
    "fund_low_water": ("Insurance funds at their lowest", "USDT"),
    "fund_end": ("Insurance funds at the end", "USDT"),
    "bankruptcies": ("Bankruptcies (margin below zero)", ""),
    "taken_over": ("Taken over by a fund", ""),
    "adl_events": ("Auto-deleveraging events", ""),
    "adl_notional": ("Auto-deleveraged notional", "USDT"),
    "wiped_out": ("Traders left with under 1% of their deposit", ""),
    "state_hash": ("Engine state hash", ""),
}


def render(result: ReplayResult, title: str) -> str:
    """Return the report page."""
    summary = result.summary()
    symbols = [s for s in sorted(result.prices) if _priced(result, s)]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        _summary_table(summary),
        *(_price_chart(result, symbol) for symbol in symbols),
        _liquidation_bars(result),
        _line_chart(
            "chart-fund",
            "Insurance funds' margin balance (each fund apart)",
            "USDT",
            _funds(result),
        ),
        _open_positions_chart(result, symbols),
        _ratio_chart(result),
        *(_heatmap(result, symbol) for symbol in symbols),
        _adl_chart(result),
        f"<script>{ZOOM}</script></body></html>",
    ]
    return "\n".join(parts)


def _funds(result: ReplayResult) -> list[tuple[str, str, list[tuple[int, float]]]]:
    """One line per fund (a BTCUSDT fund and an ETHUSDT fund are never summed), to the end."""
    lines = []
    for number, (name, series) in enumerate(sorted(result.funds.items())):
        points = [(t, v / SCALE) for t, v in series]
        if points and points[-1][0] < result.end_ms:
            points.append((result.end_ms, points[-1][1]))
        color = FUND_COLORS[number % len(FUND_COLORS)]
        lines.append((f"fund {fund_group(name)}", color, points))
    return lines


def _priced(result: ReplayResult, symbol: str) -> bool:
    """Tell whether the replay priced ``symbol`` (others only sit in the venue)."""
    return any(mark for _, mark, _, _ in result.prices.get(symbol, []))


# --- the summary ----------------------------------------------------------------------------------


def _summary_table(summary: dict[str, object]) -> str:
    rows = []
    for key, value in summary.items():
        if key == "loss_by_leverage":
            continue
        label, unit = SUMMARY_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))
        rows.append(f"<tr><th>{html.escape(label)}</th><td>{_value(value, unit)}</td></tr>")
    parts = ["<table id='summary'>" + "".join(rows) + "</table>"]
    buckets = summary.get("loss_by_leverage")
    if isinstance(buckets, dict):
        lines = "".join(
            f"<tr><th>{html.escape(str(band))}</th><td>{count}</td><td>{_amount(loss)} USDT</td></tr>"
            for band, (count, loss) in buckets.items()
        )
        parts.append(
            "<table id='loss-by-leverage'><caption>Equity change by leverage</caption>"
            "<tr><th>Leverage</th><th>Traders</th><th>Change of equity</th></tr>"
            f"{lines}</table>"
        )
    return "".join(parts)


def _value(value: object, unit: str) -> str:
    if isinstance(value, dict):
        return " · ".join(
            f"{html.escape(str(k).lower())} {_value(v, unit)}" for k, v in value.items()
        )
    if isinstance(value, str) and unit:
        return f"{_amount(value)} {unit}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(str(value))


def _amount(text: object) -> str:
    try:
        return f"{float(str(text)):,.2f}"
    except ValueError:
        return html.escape(str(text))


# --- axes -----------------------------------------------------------------------------------------


def _nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def _time_ticks(start: int, end: int) -> list[int]:
    span = max(1, end - start)
    steps = (1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)
    step = next((s * 1000 for s in steps if span / (s * 1000) <= 8), 86_400_000)
    first = -(-start // step) * step
    return list(range(first, end + 1, step))


class _Plot:
    """Maps (time ms, value) into the chart's box, with its axes."""

    def __init__(self, x_range: tuple[int, int], y_range: tuple[float, float]) -> None:
        self.t0, self.t1 = x_range[0], max(x_range[1], x_range[0] + 1)
        low, high = y_range
        if high <= low:
            low, high = low - 1, high + 1
        pad = (high - low) * 0.05
        self.v0, self.v1 = low - pad, high + pad

    def x(self, t: float) -> float:
        return LEFT + (t - self.t0) * (WIDTH - LEFT - RIGHT) / (self.t1 - self.t0)

    def y(self, v: float) -> float:
        return HEIGHT - BOTTOM - (v - self.v0) * (HEIGHT - TOP - BOTTOM) / (self.v1 - self.v0)

    def axes(self, unit: str) -> str:
        parts = []
        for v in _nice_ticks(self.v0, self.v1):
            y = self.y(v)
            parts.append(
                f"<line class='grid' x1='{LEFT}' x2='{WIDTH - RIGHT}' y1='{y:.1f}' y2='{y:.1f}'/>"
                f"<text class='tick' x='{LEFT - 6}' y='{y + 4:.1f}' text-anchor='end'>{_number(v)}</text>"
            )
        for t in _time_ticks(self.t0, self.t1):
            x = self.x(t)
            parts.append(
                f"<line class='grid' x1='{x:.1f}' x2='{x:.1f}' y1='{TOP}' y2='{HEIGHT - BOTTOM}'/>"
                f"<text class='tick' x='{x:.1f}' y='{HEIGHT - BOTTOM + 16}' text-anchor='middle'>{_clock(t)}</text>"
            )
        parts.append(
            f"<rect class='frame' fill='none' x='{LEFT}' y='{TOP}' width='{WIDTH - LEFT - RIGHT}' height='{HEIGHT - TOP - BOTTOM}'/>"
            f"<text class='tick' x='4' y='{TOP + 10}'>{html.escape(unit)}</text>"
            f"<text class='tick' x='{WIDTH - RIGHT}' y='{HEIGHT - 4}' text-anchor='end'>UTC {_day(self.t0)}</text>"
        )
        return "".join(parts)

    def line(self, points: Sequence[tuple[int, float]], color: str, label: str, unit: str) -> str:
        if not points:
            return ""
        path = " ".join(f"{self.x(t):.1f},{self.y(v):.1f}" for t, v in points)
        every = max(1, len(points) // 120)
        dots = "".join(
            f"<circle cx='{self.x(t):.1f}' cy='{self.y(v):.1f}' r='3' fill='{color}' fill-opacity='0'>"
            f"<title>{html.escape(label)} {_number(v)} {html.escape(unit)} at {_clock(t)}</title></circle>"
            for t, v in points[::every]
        )
        return f"<polyline fill='none' stroke='{color}' stroke-width='1.6' points='{path}'/>{dots}"


def _figure(
    chart_id: str, caption: str, legend: Sequence[tuple[str, str]], body: str, note: str = ""
) -> str:
    swatches = "".join(
        f"<span class='item'><i style='background:{color}'></i>{html.escape(name)}</span>"
        for name, color in legend
    )
    extra = f"<p class='note'>{html.escape(note)}</p>" if note else ""
    return (
        f"<figure id='{chart_id}'><figcaption>{html.escape(caption)}</figcaption>"
        f"<div class='legend'>{swatches}</div>"
        f"<svg xmlns='http://www.w3.org/2000/svg' data-zoom='x' width='100%' "
        f"viewBox='0 0 {WIDTH} {HEIGHT}' preserveAspectRatio='none' role='img' "
        f"aria-label='{html.escape(caption)}'>{body}</svg>{extra}</figure>"
    )


def _clock(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%H:%M:%S")


def _day(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def _number(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f}M"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


# --- charts ---------------------------------------------------------------------------------------


def _line_chart(
    chart_id: str, caption: str, unit: str, series: list[tuple[str, str, list[tuple[int, float]]]]
) -> str:
    times = [t for *_, points in series for t, _ in points] or [0]
    values = [v for *_, points in series for _, v in points] or [0.0]
    plot = _Plot((min(times), max(times)), (min(values), max(values)))
    body = plot.axes(unit) + "".join(
        plot.line(points, color, name, unit) for name, color, points in series
    )
    return _figure(chart_id, caption, [(name, color) for name, color, _ in series], body)


def _price_chart(result: ReplayResult, symbol: str) -> str:
    series = result.prices[symbol]
    marks = [(t, m / SCALE) for t, m, _, _ in series if m]
    indexes = [(t, i / SCALE) for t, _, i, _ in series if i]
    lasts = [(t, last / SCALE) for t, _, _, last in series if last]
    values = [v for _, v in marks + indexes + lasts] or [0.0]
    times = [t for t, *_ in series] or [0]
    plot = _Plot((min(times), max(times)), (min(values), max(values)))
    body = plot.axes("USDT") + plot.line(marks, PALETTE["mark"], "mark", "USDT")
    body += plot.line(indexes, PALETTE["index"], "index", "USDT")
    body += plot.line(lasts, PALETTE["last"], "last", "USDT")
    for item in result.liquidations:
        if item.symbol == symbol:
            at = item.bankruptcy_price / SCALE
            color = PALETTE["long"] if item.side == "LONG" else PALETTE["short"]
            shape = "M -4 -3 L 4 -3 L 0 4 Z" if item.side == "LONG" else "M -4 3 L 4 3 L 0 -4 Z"
            body += (
                f"<path transform='translate({plot.x(item.ts_ms):.1f},{plot.y(at):.1f})' d='{shape}' "
                f"fill='{color}' stroke='#1b1f24' stroke-width='0.5'><title>{item.side.lower()} "
                f"liquidated at {_clock(item.ts_ms)}: {item.quantity / SCALE:,.4f} {symbol} at "
                f"bankruptcy {at:,.2f} USDT</title></path>"
            )
    legend = [
        ("mark", PALETTE["mark"]),
        ("index", PALETTE["index"]),
        ("last", PALETTE["last"]),
        ("long liquidated (▼)", PALETTE["long"]),
        ("short liquidated (▲)", PALETTE["short"]),
    ]
    return _figure(
        f"chart-price-{symbol.lower()}",
        f"{symbol}: mark, index and last price (USDT), liquidations at their bankruptcy price",
        legend,
        body,
    )


def _liquidation_bars(result: ReplayResult) -> str:
    start, end = result.start_ms, max(result.end_ms, result.start_ms + 1)
    bucket = max(1_000, (end - start) // 120)
    counts: dict[int, dict[str, int]] = {}
    for item in result.liquidations:
        key = (item.ts_ms - start) // bucket
        counts.setdefault(key, {"LONG": 0, "SHORT": 0})[item.side] += 1
    top = max((sum(c.values()) for c in counts.values()), default=1)
    plot = _Plot((start, end), (0.0, float(top)))
    width = max(1.0, plot.x(start + bucket) - plot.x(start) - 1)
    bars = []
    for key, by_side in sorted(counts.items()):
        x = plot.x(start + key * bucket)
        base = 0
        for side, color in (("LONG", PALETTE["long"]), ("SHORT", PALETTE["short"])):
            n = by_side[side]
            if n:
                y0, y1 = plot.y(base), plot.y(base + n)
                bars.append(
                    f"<rect x='{x:.1f}' y='{y1:.1f}' width='{width:.1f}' height='{y0 - y1:.1f}' fill='{color}'>"
                    f"<title>{n} {side.lower()} liquidations from {_clock(start + key * bucket)}</title></rect>"
                )
                base += n
    return _figure(
        "chart-liquidations",
        f"Liquidations per {bucket // 1000} s, long and short",
        [("long positions", PALETTE["long"]), ("short positions", PALETTE["short"])],
        plot.axes("count") + "".join(bars),
    )


def _open_positions_chart(result: ReplayResult, symbols: list[str]) -> str:
    """Open positions per symbol (a count: base-asset quantities of two symbols don't add)."""
    series = [
        (
            symbol,
            SYMBOL_COLORS[i % len(SYMBOL_COLORS)],
            [(s.ts_ms, float(len(s.liquidation_prices.get(symbol, [])))) for s in result.samples],
        )
        for i, symbol in enumerate(symbols)
    ]
    figure = _line_chart(
        "chart-open-interest", "Open interest per symbol: open positions", "positions", series
    )
    return figure.replace(
        "</figure>",
        "<p class='note'>Counted per symbol from the population's samples; quantities of "
        "different base assets are never added together.</p></figure>",
    )


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _ratio_chart(result: ReplayResult) -> str:
    series = [
        (
            name,
            PALETTE[key],
            [(s.ts_ms, 100 * min(1.5, _percentile(s.ratios, share))) for s in result.samples],
        )
        for name, key, share in (
            ("median", "median", 0.5),
            ("90th percentile", "p90", 0.9),
            ("99th percentile", "p99", 0.99),
        )
    ]
    return _line_chart(
        "chart-margin-ratio", "Margin ratio of the population (100%: liquidated)", "%", series
    )


def _heatmap(result: ReplayResult, symbol: str) -> str:
    chart_id = f"chart-heatmap-{symbol.lower()}"
    samples = [s for s in result.samples if s.liquidation_prices.get(symbol)]
    prices = [p / SCALE for s in samples for p in s.liquidation_prices[symbol] if p > 0]
    caption = f"{symbol}: where the open positions' liquidation prices sit over time"
    if not samples or not prices:
        plot = _Plot((result.start_ms, result.end_ms), (0.0, 1.0))
        return _figure(chart_id, caption + " (none)", [], plot.axes("USDT"))
    low, high = _percentile(prices, 0.02), _percentile(prices, 0.98)
    rows = 40
    step = (high - low) / rows or 1.0
    plot = _Plot((samples[0].ts_ms, samples[-1].ts_ms), (low, high))
    grid: list[dict[int, int]] = []
    for sample in samples:
        counts: dict[int, int] = {}
        for raw in sample.liquidation_prices[symbol]:
            row = int((raw / SCALE - low) / step)
            if 0 <= row < rows:
                counts[row] = counts.get(row, 0) + 1
        grid.append(counts)
    peak = max((n for counts in grid for n in counts.values()), default=1)
    width = (WIDTH - LEFT - RIGHT) / len(samples)
    cells = []
    for column, (sample, counts) in enumerate(zip(samples, grid, strict=True)):
        for row, n in counts.items():
            shade = QUANTILE_COLORS[min(4, int(5 * n / (peak + 1)))]
            y0, y1 = plot.y(low + row * step), plot.y(low + (row + 1) * step)
            cells.append(
                f"<rect x='{LEFT + column * width:.1f}' y='{y1:.1f}' width='{width + 0.5:.1f}' "
                f"height='{y0 - y1 + 0.5:.1f}' fill='{shade}'><title>{_clock(sample.ts_ms)}: {n} positions "
                f"liquidated at {low + row * step:,.1f}-{low + (row + 1) * step:,.1f} USDT</title></rect>"
            )
    legend = [
        (f"{'≥' if i else '1–'}{max(1, math.ceil(i * (peak + 1) / 5))} positions", color)
        for i, color in enumerate(QUANTILE_COLORS)
    ]
    return _figure(chart_id, caption, legend, "".join(cells) + plot.axes("USDT"))


def _adl_chart(result: ReplayResult) -> str:
    samples = result.samples
    names = [f"quantile {q + 1}{' (first deleveraged)' if q == 4 else ''}" for q in range(5)]
    legend = list(zip(names, QUANTILE_COLORS, strict=True))
    if not samples:
        plot = _Plot((result.start_ms, result.end_ms), (0.0, 1.0))
        return _figure("chart-adl", "ADL queue (no samples)", legend, plot.axes("positions"))
    top = max((sum(s.adl.values()) for s in samples), default=1) or 1
    plot = _Plot((samples[0].ts_ms, samples[-1].ts_ms), (0.0, float(top)))
    width = max(1.0, (WIDTH - LEFT - RIGHT) / len(samples) - 1)
    bars = []
    for sample in samples:
        base = 0
        for quantile in range(5):
            n = sample.adl.get(quantile, 0)
            if n:
                y0, y1 = plot.y(base), plot.y(base + n)
                bars.append(
                    f"<rect x='{plot.x(sample.ts_ms) - width / 2:.1f}' y='{y1:.1f}' width='{width:.1f}' "
                    f"height='{y0 - y1:.1f}' fill='{QUANTILE_COLORS[quantile]}'><title>{_clock(sample.ts_ms)}: "
                    f"{n} positions in {names[quantile]}</title></rect>"
                )
                base += n
    last = samples[-1].adl
    table = "".join(
        f"<tr><th>{names[q]}</th><td>{last.get(q, 0):,}</td></tr>" for q in reversed(range(5))
    )
    return _figure(
        "chart-adl",
        "ADL queue: open positions per quantile (the lights Binance shows; 5 is deleveraged first)",
        legend,
        plot.axes("positions") + "".join(bars),
    ).replace(
        "</figure>",
        f"<table id='adl-now'><caption>At the end</caption>{table}</table></figure>",
    )
