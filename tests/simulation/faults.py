"""Fault injection for sweeps: a run task whose first attempt kills the worker it runs on."""

from __future__ import annotations

import os
from pathlib import Path

from liquidator.simulation.sweep.grid import RunSpec
from liquidator.simulation.sweep.run import RunOutcome, execute
from liquidator.simulation.sweep.sources import Source

MARKERS = "LIQUIDATOR_TEST_KILL_MARKERS"


def killing_first_attempt(spec: RunSpec, source: Source) -> RunOutcome:
    """Kill this worker process the first time a run is tried (a marker file remembers it)."""
    marker = Path(os.environ[MARKERS]) / spec.run_id
    if not marker.exists():
        marker.write_text(str(os.getpid()), encoding="utf-8")
        os._exit(1)  # as a worker killed by the OOM killer or a lost machine: no cleanup
    return execute(spec, source)
