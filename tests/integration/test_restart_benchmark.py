"""The restart benchmark still runs and agrees with itself, at a tiny size (no timing asserted)."""

from __future__ import annotations

from tests.integration.test_benchmarks import run


def test_restart_benchmark_reopens_its_journal_with_nothing_to_catch_up_after_a_clean_stop() -> (
    None
):
    headline = run("restart.py", "--commands", "3000", "--accounts", "50", "--open-orders", "100")

    assert headline["benchmark"] == "restart"
    assert headline["commands"] == 3000
    assert isinstance(headline["restart_s"], float)
    caught_up = headline["caught_up_after_crash"]
    assert isinstance(caught_up, int)
    assert 0 < caught_up <= 256  # at most one write behind its journal
    assert isinstance(headline["history_rows"], int)
    assert headline["history_rows"] > 3000
