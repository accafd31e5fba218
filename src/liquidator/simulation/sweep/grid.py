"""A sweep's grid, read from TOML: sources × population parameters × profiles × funds × seeds.

```toml
data = "../../shared/data/binance-crash"   # the crash windows (relative to this file)
symbols = ["BTCUSDT"]                        # replayed together (BTCUSDT and ETHUSDT: both)
windows = ["2021-05-19", "2024-08-05"]      # days of the windows
minutes = 0                                  # replay a window's first N minutes (0: all)
profiles = ["binance", "hyperliquid"]        # venue profiles (liquidator sweep --help)
funds = [1_000_000, 50_000_000]              # USDT seeded into each insurance fund
seeds = [7]                                  # population seeds

[population]                                 # each a value or a list of values
traders = 500
max_leverage = [50, 100]
long_share = 0.6

[[scenarios]]                                # synthetic crashes (liquidator scenarios)
name = "flash"
drop = 0.2
minutes = 30
```
Every combination is one run; its id is a hash of its parameters, so a run keeps its id from
one sweep to the next and a finished one is found again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from liquidator.simulation.feeds import STEP_MS
from liquidator.simulation.sweep.profiles import profile

POPULATION_KEYS = {
    "traders": int,
    "max_leverage": int,
    "long_share": float,
    "isolated_share": float,
    "stop_share": float,
    "entry_minutes": int,
    "median_notional": int,
    "max_notional": int,
    "model": str,  # "living" (arrivals, exits, re-entry, dip-buyers, whales) or "static"
    "exit_per_hour": "rate",
    "reentry_share": float,
    "dip_per_hour": "rate",
    "whale_share": float,
    "maker_depth": "depth",
}
MODELS = ("living", "static")
POPULATION_DEFAULTS: dict[str, Any] = {
    "traders": 1_000,
    "max_leverage": 100,
    "long_share": 0.6,
    "isolated_share": 0.5,
    "stop_share": 0.2,
    "entry_minutes": 0,
    "median_notional": 5_000,  # USDT, of the log-normal
    "max_notional": 5_000_000,  # USDT: above 12M, BTCUSDT's partial liquidation steps pay
    "model": "living",
    "exit_per_hour": 0.2,  # share of the open positions closed an hour (and as many arrive)
    "reentry_share": 0.3,  # of the traders liquidated in full, who come back
    "dip_per_hour": 0.1,  # dip-buyers an hour, as a share of traders, while 3% under the high
    "whale_share": 0.005,  # traders of 5M to 40M USDT of notional
    "maker_depth": "1",  # the market maker's quantity at its best level (base asset)
}
TOP_KEYS = {
    "data",
    "symbols",
    "windows",
    "minutes",
    "profiles",
    "funds",
    "seeds",
    "population",
    "scenarios",
    "step_ms",
}
SCHEMA_VERSION = 4  # part of every run id: a change of what a run computes changes its id


@dataclass(frozen=True, slots=True)
class RunSpec:
    """One run of a sweep: where the prices come from, who trades, under which rules."""

    source: str  # "window" or "scenario"
    name: str  # the window's day or the scenario's name
    symbols: str  # a window's symbols, replayed together ("BTCUSDT,ETHUSDT"); a scenario's
    drop: float  # scenario only (0 for a window)
    minutes: int  # scenario length; a window's first N minutes (0: all)
    profile: str
    fund_usdt: int
    seed: int
    traders: int
    max_leverage: int
    long_share: float
    isolated_share: float
    stop_share: float
    entry_minutes: int
    median_notional: int
    max_notional: int
    model: str = "living"
    exit_per_hour: float = 0.2
    reentry_share: float = 0.3
    dip_per_hour: float = 0.1
    whale_share: float = 0.005
    maker_depth: str = "1"  # a decimal of the base asset (exact: a string)
    step_ms: int = STEP_MS  # a window's walk along each minute's path (15,000: its 4 points)

    @property
    def run_id(self) -> str:
        """Return a stable id: the first 16 hex digits of SHA-256 over the parameters."""
        text = json.dumps([SCHEMA_VERSION, asdict(self)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Grid:
    """A parsed grid: the data directory and every run."""

    data: Path
    runs: tuple[RunSpec, ...]


def load(path: Path) -> Grid:
    """Read a grid file; ValueError (one line) when it is malformed."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    return parse(document, path.parent)


def parse(document: dict[str, Any], base: Path) -> Grid:
    """Turn a grid document into runs; relative paths are taken from ``base``."""
    unknown = set(document) - TOP_KEYS
    if unknown:
        raise ValueError(f"unknown grid keys: {', '.join(sorted(unknown))}")
    data = base / str(document.get("data", "../shared/data/binance-crash"))
    minutes = _whole(document.get("minutes", 0), "minutes")
    step_ms = _whole(document.get("step_ms", STEP_MS), "step_ms")
    if not 1 <= step_ms <= 15_000:
        raise ValueError(f"step_ms: expected 1 to 15000 ms, got {step_ms}")
    symbols = ",".join(_text(s, "symbols") for s in _list(document, "symbols", ["BTCUSDT"]))
    sources = [
        ("window", _text(day, "windows"), symbols, 0.0, minutes)
        for day in _list(document, "windows")
    ]
    sources += [_scenario(item) for item in _list(document, "scenarios")]
    if not sources:
        raise ValueError("the grid has no windows and no scenarios")
    profiles = [_text(name, "profiles") for name in _list(document, "profiles", ["binance"])]
    for name in profiles:
        profile(name)
    funds = [_whole(value, "funds") for value in _list(document, "funds", [1_000_000])]
    seeds = [_whole(value, "seeds") for value in _list(document, "seeds", [7])]
    population = _population(document.get("population", {}))
    names = list(POPULATION_KEYS)
    runs = [
        RunSpec(
            source[0],
            source[1],
            source[2],
            source[3],
            source[4],
            name,
            fund,
            seed,
            **dict(zip(names, values, strict=True)),
            step_ms=step_ms if source[0] == "window" else STEP_MS,
        )
        for source, name, fund, seed, values in itertools.product(
            sources, profiles, funds, seeds, itertools.product(*population)
        )
    ]
    return Grid(data, tuple(runs))


def _population(table: object) -> list[list[Any]]:
    if not isinstance(table, dict):
        raise ValueError("[population] must be a table")
    unknown = set(table) - set(POPULATION_KEYS)
    if unknown:
        raise ValueError(f"unknown population keys: {', '.join(sorted(unknown))}")
    axes: list[list[Any]] = []
    for key, kind in POPULATION_KEYS.items():
        values = table.get(key, POPULATION_DEFAULTS[key])
        values = values if isinstance(values, list) else [values]
        if not values:
            raise ValueError(f"population.{key} is an empty list")
        axes.append([_checked(v, kind, f"population.{key}") for v in values])
    return axes


def _checked(value: object, kind: object, key: str) -> Any:
    if kind is int:
        return _whole(value, key)
    if kind is str:
        if value not in MODELS:
            raise ValueError(f"{key}: expected one of {', '.join(MODELS)}, got {value!r}")
        return value
    if kind == "rate":
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ValueError(f"{key}: expected a rate between 0 and 100, got {value!r}")
        return float(value)
    if kind == "depth":
        return depth_text(value, key)
    return _share(value, key)


def depth_text(value: object, key: str) -> str:
    """Return a positive quantity as an exact decimal string (a float's shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{key}: expected a positive quantity, got {value!r}")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{key}: expected a positive quantity, got {value!r}") from None
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or not 0 < number <= 10**6 or exponent < -8:
        raise ValueError(f"{key}: expected a quantity in (0, 1e6], <= 8 decimals, got {value!r}")
    return str(number.normalize())


def _scenario(item: object) -> tuple[str, str, str, float, int]:
    if not isinstance(item, dict) or "name" not in item:
        raise ValueError("each [[scenarios]] needs a name")
    drop = item.get("drop", 0.15)
    if not isinstance(drop, int | float) or isinstance(drop, bool) or not 0 < drop <= 0.95:
        raise ValueError(f"scenario drop must be a number in (0, 0.95], got {drop!r}")
    minutes = _whole(item.get("minutes", 60), "scenario minutes")
    name = _text(item["name"], "scenarios.name")
    return ("scenario", name, "", float(drop), max(minutes, 1))


def _list(document: dict[str, Any], key: str, default: list[Any] | None = None) -> list[Any]:
    value = document.get(key, default if default is not None else [])
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list")
    return value


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key}: expected a name, got {value!r}")
    return value


def _whole(value: object, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
        raise ValueError(f"{key}: expected a whole number >= 0, got {value!r}")
    return value


def _share(value: object, key: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{key}: expected a number between 0 and 1, got {value!r}")
    return float(value)
