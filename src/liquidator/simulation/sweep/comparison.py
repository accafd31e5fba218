"""The side-by-side comparison of a sweep: one line per source × profile × fund, over the rest.

Each line averages its runs (seeds, population parameters) and says how many there were. The
HTML page is one self-contained file (no script, no network): the table and, per source, bars
of the liquidated notional and the ADL notional by profile and fund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from liquidator.core.money.fixed import SCALE


@dataclass(frozen=True, slots=True)
class Line:
    """The runs of one source under one profile and fund size, averaged."""

    source: str
    profile: str
    fund_usdt: int
    runs: int
    liquidations_long: float
    liquidations_short: float
    liquidated_usdt: float
    partial: float
    taken_over: float
    adl_events: float
    adl_usdt: float
    fund_change_usdt: float  # end balance less what the funds were seeded with
    state_hash: str  # of the first run (all of them when runs == 1)


def lines(rows: Sequence[dict[str, object]]) -> list[Line]:
    """Group ``rows`` (runs.parquet rows, raw amounts) by source, profile and fund."""
    groups: dict[tuple[str, str, int], list[dict[str, object]]] = {}
    for row in sorted(rows, key=lambda r: str(r["run_id"])):
        key = (str(row["name"]), str(row["profile"]), _int(row["fund_usdt"]))
        groups.setdefault(key, []).append(row)
    result = []
    for (source, name, fund), members in sorted(groups.items()):

        def mean(field: str, scale: int = 1, members: list[dict[str, object]] = members) -> float:
            return sum(_int(r[field]) for r in members) / scale / len(members)

        liquidated = mean("liquidated_notional_long", SCALE) + mean(
            "liquidated_notional_short", SCALE
        )
        result.append(
            Line(
                source,
                name,
                fund,
                len(members),
                mean("liquidations_long"),
                mean("liquidations_short"),
                liquidated,
                mean("partial"),
                mean("taken_over"),
                mean("adl_events"),
                mean("adl_notional", SCALE),
                mean("fund_end", SCALE) - mean("fund_seeded", SCALE),
                str(members[0]["state_hash"]),
            )
        )
    return result


COLUMNS = (
    "source",
    "profile",
    "fund (USDT)",
    "runs",
    "liq. long",
    "liq. short",
    "liquidated (USDT)",
    "partial",
    "fund takeovers",
    "ADL",
    "ADL (USDT)",
    "fund change (USDT)",
)


def cells(line: Line) -> tuple[str, ...]:
    """Return the table cells of ``line`` (as in COLUMNS)."""
    return (
        line.source,
        line.profile,
        f"{line.fund_usdt:,}",
        str(line.runs),
        f"{line.liquidations_long:,.1f}",
        f"{line.liquidations_short:,.1f}",
        f"{line.liquidated_usdt:,.0f}",
        f"{line.partial:,.1f}",
        f"{line.taken_over:,.1f}",
        f"{line.adl_events:,.1f}",
        f"{line.adl_usdt:,.0f}",
        f"{line.fund_change_usdt:+,.0f}",
    )


def render(rows: Sequence[dict[str, object]], title: str) -> str:
    """Return the comparison page of ``rows``."""
    items = lines(rows)
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells(line)) + "</tr>" for line in items
    )
    charts = "".join(_chart(source, items) for source in sorted({i.source for i in items}))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #ddd;"
        "text-align:right}td{white-space:nowrap}td:first-child,td:nth-child(2),th{text-align:left}"
        ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}"
        "</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{len(rows)} runs; figures are means over the runs of a line "
        "(seeds and population parameters).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{charts}"
        "</body></html>"
    )


def _chart(source: str, items: list[Line]) -> str:
    chosen = [i for i in items if i.source == source]
    top = max([i.liquidated_usdt for i in chosen] + [i.adl_usdt for i in chosen] + [1.0])
    width, bar = 520, 14
    rows = []
    for number, line in enumerate(chosen):
        y = 20 + number * (2 * bar + 12)
        label = f"{line.profile}, fund {line.fund_usdt:,}"
        liquidated = line.liquidated_usdt / top * width
        adl = line.adl_usdt / top * width
        rows.append(
            f"<text x='0' y='{y + bar}' font-size='12'>{escape(label)}</text>"
            f"<rect x='220' y='{y}' width='{liquidated:.1f}' height='{bar}' fill='#c0392b'/>"
            f"<rect x='220' y='{y + bar}' width='{adl:.1f}' height='{bar}' fill='#2471a3'/>"
            f"<text x='{224 + liquidated:.1f}' y='{y + bar - 2}' font-size='11'>"
            f"{line.liquidated_usdt:,.0f}</text>"
        )
    height = 30 + len(chosen) * (2 * bar + 12)
    return (
        f"<h2>{escape(source)}</h2><div class='legend'><span style='background:#c0392b'></span>"
        "liquidated notional (USDT)<span style='background:#2471a3'></span>ADL notional (USDT)"
        f"</div><svg width='{220 + width + 120}' height='{height}' role='img' "
        f"aria-label='liquidated and ADL notional by profile, {escape(source)}'>"
        + "".join(rows)
        + "</svg>"
    )


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value
