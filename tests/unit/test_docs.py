"""Every CLI command and option is documented in README.md; the README's examples are true."""

from __future__ import annotations

import argparse

import pytest

from liquidator.cli import build_parser
from tests.builders import run_json
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_readme_opens_with_the_setup_and_test_commands() -> None:
    block = README.split("```")[1]
    assert "scripts/bootstrap && .venv/bin/liquidator simulate" in block
    assert "scripts/check" in block


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_and_option_is_in_the_readme(name: str) -> None:
    assert f"liquidator {name}" in README
    for action in subcommands()[name]._actions:
        for option in action.option_strings:
            if option not in {"-h", "--help"}:
                assert f"`{option}" in README, f"{name} {option} is undocumented"


def test_readme_example_numbers_are_what_the_tool_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(capsys, "risk", str(REPO / "examples/account.json"))

    btc = report["positions"][0]
    assert btc["liquidationPrice"] == "56790.36144579"
    assert "56790.36144579" in README
    assert report["marginRatio"] == "0.08852174"
    assert "8.85%" in README


def test_readme_python_snippet_runs_and_prints_what_it_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    snippet = README.split("```python")[1].split("```")[0]

    exec(compile(snippet, "README.md", "exec"), {})

    assert capsys.readouterr().out.split() == ["48192.77108434", "1"]


def test_readme_engine_snippet_runs_and_prints_what_it_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    snippet = README.split("```python")[2].split("```")[0]

    exec(compile(snippet, "README.md", "exec"), {})

    assert capsys.readouterr().out.split() == ["50000000", "6000600000000"]
