"""One run of a sweep: a source through a fresh engine under a venue profile; plain results.

``execute`` is what a Dask worker (or a plain process) runs: a pure function of its arguments
(the spec and the source's ticks), so the same run gives the same state hash wherever it runs.
It returns plain values (a summary row and the event rows) that pickle small and need no
engine on the other side.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, replace

from liquidator.adapters.input_files import fixed_raw
from liquidator.app.collector import tune_collector
from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.market import Market
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.money.fixed import SCALE
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.simulation.crowd import CrowdConfig
from liquidator.simulation.population import PopulationConfig
from liquidator.simulation.replay import Replay, ReplayConfig, ReplayResult
from liquidator.simulation.sweep.grid import RunSpec
from liquidator.simulation.sweep.profiles import profile
from liquidator.simulation.sweep.sources import Source

# time_ms, kind, account, symbol, side, quantity, price, notional, fee, taken_over,
# deleveraged, partial (amounts raw, 10^-8)
EventRow = tuple[int, str, str, str, str, int, int, int, int, int, int, bool]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a run gives back: its summary row (parameters, state hash, figures) and events."""

    run_id: str
    row: dict[str, object]
    events: list[EventRow]


def replay_config(
    spec: RunSpec, open_interest: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()
) -> ReplayConfig:
    """Return the replay configuration of ``spec`` (population, fund, fees, ADL policy)."""
    venue = profile(spec.profile)
    population = PopulationConfig(
        count=spec.traders,
        seed=spec.seed,
        max_leverage=spec.max_leverage,
        isolated_share=spec.isolated_share,
        long_share=spec.long_share,
        stop_loss_share=spec.stop_share,
        entry_window_ms=spec.entry_minutes * 60_000,
        median_notional=spec.median_notional,
        max_notional=spec.max_notional,
        leverage_caps=venue.leverage_caps(),
    )
    insurance = InsuranceConfig(seed=spec.fund_usdt * SCALE)
    if venue.shared_fund:
        insurance = replace(insurance, own_funds=())
    crowd = None
    if spec.model == "living":
        crowd = CrowdConfig(
            exit_per_hour=spec.exit_per_hour,
            reentry_share=spec.reentry_share,
            dip_per_hour=spec.dip_per_hour,
            whale_share=spec.whale_share,
            open_interest=open_interest,
        )
    maker = MarketMakerConfig(requote_bps=5, quantity_raw=fixed_raw(spec.maker_depth))
    return ReplayConfig(
        population=population,
        insurance=insurance,
        fees=venue.fees,
        adl_policy=venue.adl_policy,
        crowd=crowd,
        market_maker=maker,
        # a window's index follows its walk (the maker centres its ladder on the index: a
        # minute-old index during a fall would leave its bids above the market)
        index_every_ms=spec.step_ms if spec.source == "window" else 60_000,
    )


def execute(spec: RunSpec, source: Source) -> RunOutcome:
    """Replay ``source`` as ``spec`` says; return the summary row and the events."""
    tune_collector(freeze=False)  # the replay's GC policy, in whichever process runs this
    started = time.perf_counter()
    market = profile(spec.profile).market(bundled_market())
    replay = Replay(market, replay_config(spec))
    result = replay.run(iter(source.ticks), list(source.symbols), source.funding)
    row = summary_row(spec, result)
    row["fund_seeded"] = usdt_seeded(market, replay.config.insurance)
    row["seconds"] = round(time.perf_counter() - started, 3)
    row["pid"] = os.getpid()
    return RunOutcome(spec.run_id, row, event_rows(result))


def usdt_seeded(market: Market, insurance: InsuranceConfig) -> int:
    """Return the USDT the funds were seeded with (raw): what ``fund_end`` is compared with.

    The replay measures its funds' USDT margin balances; a COIN-M fund (seeded in its coin,
    worth the same at its reference price) holds no USDT and is left out of both.
    """
    funds = {
        insurance.fund_of(symbol)
        for symbol, instrument in market.instruments.items()
        if instrument.margin_asset == "USDT"
    }
    return len(funds) * insurance.seed_in("USDT", coin_margined=False)


def summary_row(spec: RunSpec, result: ReplayResult) -> dict[str, object]:
    """Return the run's row of runs.parquet (amounts raw, 10^-8; see docs/sweep.md)."""
    longs = [item for item in result.liquidations if item.side == "LONG"]
    shorts = [item for item in result.liquidations if item.side == "SHORT"]
    peak_ms, peak = 0, 0
    per_minute: dict[int, int] = {}
    for item in result.liquidations:
        minute = item.ts_ms // 60_000 * 60_000
        per_minute[minute] = per_minute.get(minute, 0) + 1
        if per_minute[minute] > peak:
            peak_ms, peak = minute, per_minute[minute]
    return {
        "run_id": spec.run_id,
        **asdict(spec),
        "state_hash": result.state_hash,
        "ticks": result.ticks,
        "start_ms": result.start_ms,
        "end_ms": result.end_ms,
        "opened": result.opened,
        "liquidations_long": len(longs),
        "liquidations_short": len(shorts),
        "liquidated_notional_long": sum(item.notional for item in longs),
        "liquidated_notional_short": sum(item.notional for item in shorts),
        "partial": sum(1 for item in result.liquidations if item.partial),
        "taken_over": sum(1 for item in result.liquidations if item.taken_over),
        "clearance_fees": sum(item.fee for item in result.liquidations),
        "bankruptcies": sum(1 for t in result.triggered if t.margin_balance < 0),
        "adl_events": len(result.adl),
        "adl_notional": sum(a.quantity * a.price // SCALE for a in result.adl),
        "fund_low_water": result.fund_low,
        "fund_end": result.fund_end,
        "wiped_out": sum(
            1
            for t in result.traders
            if t.name in result.equity_end and result.equity_end[t.name] < t.deposit * SCALE // 100
        ),
        "peak_minute_ms": peak_ms,
        "peak_liquidations": peak,
    }


def event_rows(result: ReplayResult) -> list[EventRow]:
    """Return the liquidations and ADL closes of ``result`` in time order."""
    rows: list[EventRow] = [
        (
            item.ts_ms,
            "LIQUIDATION",
            item.account,
            item.symbol,
            item.side,
            item.quantity,
            item.bankruptcy_price,
            item.notional,
            item.fee,
            item.taken_over,
            item.deleveraged,
            item.partial,
        )
        for item in result.liquidations
    ]
    rows += [
        (
            adl.ts_ms,
            "ADL",
            adl.account,
            adl.symbol,
            adl.position_side.value,
            adl.quantity,
            adl.price,
            adl.quantity * adl.price // SCALE,
            0,
            0,
            adl.quantity,
            False,
        )
        for adl in result.adl
    ]
    rows.sort(key=lambda row: (row[0], row[1] != "LIQUIDATION"))  # stable: the engine's order
    return rows
