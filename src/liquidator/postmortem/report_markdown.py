"""The post-mortem as Markdown: the terminal report's story with headings and a loss table."""

from __future__ import annotations

from dataclasses import replace

from liquidator.core.money.fixed import trim_raw
from liquidator.postmortem.analysis import Liquidation, Report
from liquidator.postmortem.report_text import liquidation_lines, report_lines

LOSS_HEADING = "Where the margin went"


def report_markdown(report: Report) -> str:
    """Return the whole report as one Markdown document."""
    parts = [f"# Liquidation post-mortem\n\nSource: {report.source}\n"]
    for item in report.liquidations:
        parts.append(_liquidation(item, report.account))
    tail = report_lines(replace(report, liquidations=[], notes=[]))
    if tail:
        parts.append("\n".join(_line(line) for line in tail if line))
    for note in report.notes:
        parts.append(f"> {note}")
    return "\n\n".join(parts).rstrip() + "\n"


def _liquidation(item: Liquidation, account: str | None) -> str:
    lines = liquidation_lines(item, account)
    out = [f"## {lines[0]}", ""]
    skipping = False
    for line in lines[1:]:
        listed = out[-1].startswith(("- ", "    >"))
        if line.startswith("  ") != listed and out[-1]:
            out.append("")  # a blank line between a paragraph and a list
        if line.startswith(LOSS_HEADING):
            out += ["", f"### {line.rstrip(':')}", "", *_loss_table(item), ""]
            skipping = True
            continue
        if skipping and line.startswith(" "):
            continue
        skipping = False
        out.append(_line(line))
    return "\n".join(out)


def _line(line: str) -> str:
    if not line.startswith(" ") and line.endswith(":"):
        return f"\n### {line.rstrip(':')}\n"
    if line.startswith("    "):
        return f"    > {line.strip()}"
    if line.startswith("  "):
        return f"- {line.strip()}"
    return f"{line}  "


def _loss_table(item: Liquidation) -> list[str]:
    loss, asset = item.loss, item.asset
    rows = [
        ("price move", loss.price_move),
        ("… to our liquidation price", loss.to_liquidation_price),
        ("… the liquidation's fills beyond it", loss.beyond_liquidation_price),
        ("funding", loss.funding),
        ("trading commission", loss.commission),
        ("clearance fee", loss.clearance_fee),
        ("insurance fund cover", loss.insurance_cover),
        ("**total**", loss.total),
    ]
    table = [f"| | {asset} |", "|---|---:|"]
    table += [f"| {label} | {trim_raw(value)} |" for label, value in rows]
    return table
