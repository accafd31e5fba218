"""The replay report: one self-contained HTML page with inline SVG charts (no script, no network).

Charts: the prices (mark, index, last) with the liquidations marked; liquidations per interval;
the insurance funds' margin balance; open interest; the population's margin ratios over time
(median, 90th and 99th percentiles); a heatmap of where the liquidation prices sit over time;
the ADL queue (positions per quantile) over time. Above them, the summary table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

from liquidator.app.replay import ReplayResult
from liquidator.core.fixed import SCALE

WIDTH, HEIGHT, PAD = 1100, 260, 56
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


def render(result: ReplayResult, title: str) -> str:
    """Return the report page."""
    summary = result.summary()
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "th{text-align:left;background:#f4f4f4}figure{margin:24px 0}figcaption{font-weight:600}"
        "svg{background:#fff;border:1px solid #ddd}.axis{font-size:11px;fill:#555}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        _summary_table(summary),
    ]
    for symbol, series in sorted(result.prices.items()):
        if _priced(result, symbol):
            parts.append(_price_chart(result, symbol, series))
    parts += [
        _liquidation_bars(result),
        _line_figure(
            "chart-fund",
            "Insurance funds' margin balance (USDT)",
            [("funds", [(t, v / SCALE) for t, v in result.fund])],
        ),
        _line_figure(
            "chart-open-interest",
            "Open interest (long quantity)",
            [("open interest", [(t, v / SCALE) for t, v in result.open_interest])],
        ),
        _ratio_chart(result),
        *(_heatmap(result, symbol) for symbol in sorted(result.prices) if _priced(result, symbol)),
        _adl_chart(result),
        "</body></html>",
    ]
    return "\n".join(parts)


def _priced(result: ReplayResult, symbol: str) -> bool:
    """Tell whether the replay priced ``symbol`` (others only sit in the venue)."""
    return any(mark for _, mark, _, _ in result.prices.get(symbol, []))


def _summary_table(summary: dict[str, object]) -> str:
    rows = []
    for key, value in summary.items():
        text = (
            ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else value
        )
        rows.append(f"<tr><th>{html.escape(key)}</th><td>{html.escape(str(text))}</td></tr>")
    return "<table id='summary'>" + "".join(rows) + "</table>"


def _scale(values: Sequence[float], low: float, high: float) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if hi == lo:
        hi = lo + 1
    return lo, (high - low) / (hi - lo)


def _frame(
    chart_id: str, caption: str, body: str, x_range: tuple[int, int], y_range: tuple[float, float]
) -> str:
    left, right = x_range
    bottom, top = y_range
    labels = (
        f"<text class='axis' x='{PAD}' y='{HEIGHT - 8}'>{_time(left)}</text>"
        f"<text class='axis' x='{WIDTH - PAD}' y='{HEIGHT - 8}' text-anchor='end'>{_time(right)}</text>"
        f"<text class='axis' x='4' y='{PAD - 30}'>{_number(top)}</text>"
        f"<text class='axis' x='4' y='{HEIGHT - PAD + 4}'>{_number(bottom)}</text>"
        f"<line x1='{PAD}' y1='{HEIGHT - PAD}' x2='{WIDTH - PAD}' y2='{HEIGHT - PAD}' stroke='#999'/>"
        f"<line x1='{PAD}' y1='{PAD - 24}' x2='{PAD}' y2='{HEIGHT - PAD}' stroke='#999'/>"
    )
    return (
        f"<figure id='{chart_id}'><figcaption>{html.escape(caption)}</figcaption>"
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
        f"viewBox='0 0 {WIDTH} {HEIGHT}'>{labels}{body}</svg></figure>"
    )


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _number(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


class _Plot:
    """Maps (time ms, value) into the chart's pixel box."""

    def __init__(self, times: Sequence[int], values: Sequence[float]) -> None:
        self.t0, self.tx = _scale([float(t) for t in times], PAD, WIDTH - PAD)
        self.v0, self.vy = _scale(values, PAD - 24, HEIGHT - PAD)
        self.x_range = (int(min(times)) if times else 0, int(max(times)) if times else 0)
        self.y_range = (min(values) if values else 0.0, max(values) if values else 0.0)

    def x(self, t: float) -> float:
        return PAD + (t - self.t0) * self.tx

    def y(self, v: float) -> float:
        return HEIGHT - PAD - (v - self.v0) * self.vy

    def line(self, points: Sequence[tuple[int, float]], color: str, label: str) -> str:
        if not points:
            return ""
        path = " ".join(f"{self.x(t):.1f},{self.y(v):.1f}" for t, v in points)
        return (
            f"<polyline fill='none' stroke='{color}' stroke-width='1.5' points='{path}'>"
            f"<title>{html.escape(label)}</title></polyline>"
        )


def _legend(names: Sequence[str]) -> str:
    return "".join(
        f"<text class='axis' x='{PAD + 10 + 140 * i}' y='{PAD - 34}' fill='{COLORS[i % 5]}'>"
        f"■ {html.escape(name)}</text>"
        for i, name in enumerate(names)
    )


def _line_figure(
    chart_id: str, caption: str, series: list[tuple[str, list[tuple[int, float]]]]
) -> str:
    times = [t for _, points in series for t, _ in points] or [0]
    values = [v for _, points in series for _, v in points] or [0.0]
    plot = _Plot(times, values)
    body = _legend([name for name, _ in series]) + "".join(
        plot.line(points, COLORS[i % 5], name) for i, (name, points) in enumerate(series)
    )
    return _frame(chart_id, caption, body, plot.x_range, plot.y_range)


def _price_chart(result: ReplayResult, symbol: str, series: list[tuple[int, int, int, int]]) -> str:
    marks = [(t, m / SCALE) for t, m, _, _ in series if m]
    indexes = [(t, i / SCALE) for t, _, i, _ in series if i]
    lasts = [(t, last / SCALE) for t, _, _, last in series if last]
    values = [v for _, v in marks + indexes + lasts] or [0.0]
    times = [t for t, *_ in series]
    plot = _Plot(times, values)
    body = _legend(["mark", "index", "last", "liquidations"])
    body += plot.line(marks, COLORS[0], "mark") + plot.line(indexes, COLORS[1], "index")
    body += plot.line(lasts, COLORS[2], "last")
    for item in result.liquidations:
        if item.symbol == symbol:
            mark = _at(marks, item.ts_ms)
            body += (
                f"<circle cx='{plot.x(item.ts_ms):.1f}' cy='{plot.y(mark):.1f}' r='2.5' "
                f"fill='{COLORS[3]}' opacity='0.6'><title>{item.side} {item.account}</title></circle>"
            )
    return _frame(
        f"chart-price-{symbol.lower()}",
        f"{symbol}: mark, index and last price; liquidations",
        body,
        plot.x_range,
        plot.y_range,
    )


def _at(points: list[tuple[int, float]], ts: int) -> float:
    value = points[0][1] if points else 0.0
    for t, v in points:
        if t > ts:
            break
        value = v
    return value


def _liquidation_bars(result: ReplayResult) -> str:
    start, end = result.start_ms, max(result.end_ms, result.start_ms + 1)
    bucket = max(1_000, (end - start) // 200)
    counts: dict[int, int] = {}
    for item in result.liquidations:
        key = (item.ts_ms - start) // bucket
        counts[key] = counts.get(key, 0) + 1
    top = max(counts.values(), default=1)
    width = max(1.0, (WIDTH - 2 * PAD) / ((end - start) / bucket + 1))
    body = "".join(
        f"<rect x='{PAD + key * width:.1f}' y='{HEIGHT - PAD - (HEIGHT - 2 * PAD) * n / top:.1f}' "
        f"width='{width:.1f}' height='{(HEIGHT - 2 * PAD) * n / top:.1f}' fill='{COLORS[3]}'>"
        f"<title>{n} liquidations</title></rect>"
        for key, n in sorted(counts.items())
    )
    caption = f"Liquidations per {bucket // 1000} s"
    return _frame("chart-liquidations", caption, body, (start, end), (0.0, float(top)))


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _ratio_chart(result: ReplayResult) -> str:
    series = [
        (name, [(s.ts_ms, 100 * min(1.5, _percentile(s.ratios, share))) for s in result.samples])
        for name, share in (("median", 0.5), ("90th percentile", 0.9), ("99th percentile", 0.99))
    ]
    return _line_figure("chart-margin-ratio", "Margin ratio of the population (%)", series)


def _heatmap(result: ReplayResult, symbol: str) -> str:
    chart_id = f"chart-heatmap-{symbol.lower()}"
    samples = [s for s in result.samples if s.liquidation_prices.get(symbol)]
    prices = [p / SCALE for s in samples for p in s.liquidation_prices[symbol] if p > 0]
    if not samples or not prices:
        return _frame(
            chart_id, f"{symbol}: where the liquidation prices sit (none)", "", (0, 0), (0.0, 0.0)
        )
    low, high = _percentile(prices, 0.02), _percentile(prices, 0.98)
    rows = 40
    step = (high - low) / rows or 1.0
    columns = len(samples)
    width = (WIDTH - 2 * PAD) / columns
    height = (HEIGHT - 2 * PAD + 24) / rows
    cells = []
    peak = 1
    grid: list[dict[int, int]] = []
    for sample in samples:
        counts: dict[int, int] = {}
        for raw in sample.liquidation_prices[symbol]:
            row = int((raw / SCALE - low) / step)
            if 0 <= row < rows:
                counts[row] = counts.get(row, 0) + 1
        peak = max(peak, *counts.values()) if counts else peak
        grid.append(counts)
    for column, counts in enumerate(grid):
        for row, n in counts.items():
            shade = int(255 - 200 * n / peak)
            cells.append(
                f"<rect x='{PAD + column * width:.1f}' y='{HEIGHT - PAD - (row + 1) * height:.1f}' "
                f"width='{width + 0.5:.1f}' height='{height + 0.5:.1f}' fill='rgb(255,{shade},{shade})'>"
                f"<title>{n} positions liquidated at {low + row * step:,.1f}-{low + (row + 1) * step:,.1f}</title></rect>"
            )
    return _frame(
        chart_id,
        f"{symbol}: liquidation prices of the open positions over time (darker: more)",
        "".join(cells),
        (samples[0].ts_ms, samples[-1].ts_ms),
        (low, high),
    )


def _adl_chart(result: ReplayResult) -> str:
    samples = result.samples
    if not samples:
        return _frame("chart-adl", "ADL queue (no samples)", "", (0, 0), (0.0, 0.0))
    top = max((sum(s.adl.values()) for s in samples), default=1) or 1
    width = (WIDTH - 2 * PAD) / len(samples)
    bars = []
    for column, sample in enumerate(samples):
        base = 0
        for quantile in range(5):
            n = sample.adl.get(quantile, 0)
            if not n:
                continue
            size = (HEIGHT - 2 * PAD) * n / top
            y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * base / top - size
            bars.append(
                f"<rect x='{PAD + column * width:.1f}' y='{y:.1f}' width='{max(1.0, width - 1):.1f}' "
                f"height='{size:.1f}' fill='{COLORS[quantile]}'><title>quantile {quantile}: {n}</title></rect>"
            )
            base += n
    return _frame(
        "chart-adl",
        "ADL queue: open positions per quantile (0 blue ... 4 purple)",
        _legend([f"quantile {q}" for q in range(5)]) + "".join(bars),
        (samples[0].ts_ms, samples[-1].ts_ms),
        (0.0, float(top)),
    )
