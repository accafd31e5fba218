"""The post-mortem page in Chromium: its chart with the levels in distinct colours (read from the
rendered page, not greyed by the axis style), ticks on both axes, no console error, no repr."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import Watched
from tests.browser.test_report import REPRS
from tests.unit.test_postmortem_csv import exports, marks, postmortem

LEVEL_COLOURS = """
() => [...document.querySelectorAll("svg.chart text.level")].map((t) => getComputedStyle(t).fill)
"""
TICKS = "document.querySelectorAll('svg.chart text.axis').length"
LEGEND = "[...document.querySelectorAll('svg.chart rect')].map((r) => getComputedStyle(r).fill)"


def test_the_postmortem_page_draws_its_levels_in_distinct_colours(
    tmp_path: Path, watched: Watched
) -> None:
    page_file = tmp_path / "postmortem.html"
    klines = marks(tmp_path / "marks.csv", "55000")
    done = postmortem(
        "--csv", *exports(tmp_path), "--klines", str(klines), "--html", str(page_file)
    )
    assert done.returncode == 0, done.stderr

    page = watched.page
    page.goto(page_file.as_uri())
    watched.shot("postmortem")
    levels = page.evaluate(LEVEL_COLOURS)
    legend = page.evaluate(LEGEND)

    assert len(levels) >= 3
    assert len(set(levels)) == len(levels), levels
    assert len(set(legend)) == len(legend), legend
    assert page.evaluate(TICKS) >= 7  # five prices, three times
    assert REPRS.search(page.inner_text("body")) is None
    assert watched.errors == []
