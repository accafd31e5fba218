"""The replay report in Chromium: every chart with a legend of distinct colours (read from the
rendered page), ticks on both axes, no console error and no Python repr in the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liquidator.core.contracts.market import Market
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig
from liquidator.simulation.scenarios import ScenarioConfig, ticks
from liquidator.web.replay_report import render
from tests.browser.conftest import Watched
from tests.replay.test_report import CHARTS

ZOOMED = "document.querySelector('#chart-fund svg').viewBox.baseVal.width"
REPRS = re.compile(r"\(\d+, ?'|\{'|': |\[\(|Decimal\(|None\b|\bTrue\b|\bFalse\b")
LEGENDS = (Path(__file__).parent / "legends.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, market: Market) -> Path:
    config = ScenarioConfig(drop=0.2, minutes=20, lead_minutes=5, tail_minutes=5, step_ms=5_000)
    replay = Replay(
        market, ReplayConfig(population=PopulationConfig(count=300, seed=3), sample_every_ms=30_000)
    )
    result = replay.run(ticks("correlated", config), ["BTCUSDT", "ETHUSDT"])
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render(result, "correlated crash"), encoding="utf-8")
    return path


def test_the_report_has_every_chart_with_distinct_legends_and_ticks(
    report: Path, watched: Watched
) -> None:
    page = watched.page
    page.goto(report.as_uri())
    figures = {f["id"]: f for f in page.evaluate(LEGENDS)}
    watched.shot("report")
    text = page.inner_text("body")

    assert set(CHARTS) <= set(figures)
    for chart in CHARTS:
        figure = figures[chart]
        assert len(figure["colours"]) >= 2 or chart == "chart-fund", figure
        assert len(set(figure["colours"])) == len(figure["colours"]), figure
        assert "rgb(128, 128, 128)" not in figure["colours"]
        assert figure["xTicks"] >= 3, figure
        assert figure["yTicks"] >= 3, figure
    assert REPRS.search(text) is None, REPRS.search(text)
    fund_chart = page.locator("#chart-fund svg")
    fund_chart.hover()
    page.mouse.wheel(0, -300)
    assert page.evaluate(ZOOMED) < 1100  # the wheel zoomed the time axis in
    fund_chart.dblclick()
    assert page.evaluate(ZOOMED) == 1100
    assert "USDT" in page.inner_text("#summary")
    assert watched.errors == []
