"""Past candles for a venue that has just started: a generated path, written before any trade.

A bot asks for hundreds of past 1-minute candles at start; a fresh venue has none. Before it
serves, ``serve --history DAYS`` writes DAYS of 1-minute bars of every listed symbol with a
price (last, mark and index: ``klines``, ``continuousKlines``, ``markPriceKlines``,
``indexPriceKlines`` and the 24 h ticker all read them) into the history store, ending where
the venue's own bars begin, so the chart runs into the live price without a jump.

**What the path is.** Not real data: a seeded geometric random walk, generated *backwards* from
the anchor (the open of the oldest bar the venue has of that kind, else its current price), six
steps a minute of ``step_bps / sqrt(6)``, whose points give each minute's open, high, low and
close (rounded down to the tick). ``step_bps`` is the live walk's volatility over a minute, so
the past looks like the present. Trade bars get a volume too (a log-normal notional around
``notional`` a minute, rounded down to the step size; half of it, give or take, bought by
takers), no trades behind them: ``trades``/``aggTrades`` list only the venue's own.

**Or recorded.** With ``shape`` (``serve --history-file``: a Binance 1m kline CSV), the past
follows the file's last minutes instead, each symbol's scaled to end at its anchor (volumes at
the same notional), as many as fit in DAYS (the files under ``../shared/data`` hold 7 to 20
hours).

**Once.** Bars are written only before the oldest bar of their kind: a restart (whose oldest
bar is the first seeded one) writes nothing, and the same seed and clock give the same bars.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.money.fixed import SCALE
from liquidator.read.history import HistoryBatch, HistoryStore
from liquidator.read.market_history import INDEX, LAST, MARK, MINUTE_MS, Bar, MarketHistory

DAY_MS = 1440 * MINUTE_MS
Minute = tuple[int, int, int, int, int]  # a recorded minute: open, high, low, close, volume (raw)
STEPS_PER_MINUTE = 6
MAX_MINUTE_BPS = 1_000.0  # 10% a minute
MAX_DAYS = 30  # 43,200 bars a symbol and kind: beyond it a bot pages through the venue's own


@dataclass(frozen=True, slots=True)
class HistorySeed:
    """How much past to write and how it moves."""

    days: float = 2.0
    seed: int = 7
    step_bps: float = 38.7  # the standard deviation of one minute's move, in basis points
    notional: int = 250_000  # mean quote volume of a minute, in the margin asset
    shape: tuple[Minute, ...] = ()  # recorded minutes to follow instead of the walk (a file's)

    def __post_init__(self) -> None:
        if not 0 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be within 0..{MAX_DAYS}, got {self.days}")
        if not 0 <= self.step_bps <= MAX_MINUTE_BPS:
            raise ValueError(
                f"step_bps must be within [0, {MAX_MINUTE_BPS:g}], got {self.step_bps}"
            )


def minute_volatility_bps(step_bps: float, step_ms: int) -> float:
    """Return the standard deviation of a minute's move of a walk of ``step_bps`` per step.

    sigma_minute = sigma_step * sqrt(60 000 / step_ms) (independent steps add in variance),
    at most ``MAX_MINUTE_BPS``: a wilder past is no more use to a chart.
    """
    return min(MAX_MINUTE_BPS, step_bps * math.sqrt(MINUTE_MS / max(1, step_ms)))


def seed_history(
    venue: Venue, market: MarketHistory, store: HistoryStore, now_ms: int, plan: HistorySeed
) -> int:
    """Write the past bars of every priced symbol before its oldest bar; return how many."""
    now_minute = now_ms - now_ms % MINUTE_MS
    first = max(0, now_minute - int(plan.days * DAY_MS) // MINUTE_MS * MINUTE_MS)
    bars: list[tuple[str, int, Bar]] = []
    for symbol, state in sorted(venue.symbols.items()):
        for kind in (LAST, MARK, INDEX):
            anchor = _anchor(state, kind)
            oldest = market.klines(symbol, MINUTE_MS, mark=kind, start_ms=0, limit=1)
            end = now_minute
            if oldest and oldest[0].open_ms < end:
                end, anchor = oldest[0].open_ms, oldest[0].open
            if anchor <= 0 or first >= end:
                continue
            if plan.shape:
                path = recorded_bars(plan.shape, first, end, anchor, state.tick)
            else:
                path = walk_bars(f"{plan.seed}:{symbol}", first, end, anchor, state.tick, plan)
            if kind == LAST and plan.shape:
                _recorded_volume(path, plan.shape, anchor, f"{plan.seed}:{symbol}", state.step)
            elif kind == LAST:
                _add_volume(path, f"{plan.seed}:{symbol}:volume", state.step, plan.notional)
            bars.extend((symbol, kind, bar) for bar in path)
    if bars:
        store.write(HistoryBatch(store.applied_seq(), bars=bars))
    return len(bars)


def _anchor(state: SymbolState, kind: int) -> int:
    """The price the past must end at: the kind's own, else the closest one the venue has."""
    if kind == LAST:
        return state.last_price or state.mark_price or state.index_price
    if kind == MARK:
        return state.mark_price or state.index_price
    return state.index_price


def walk_bars(
    seed: str, first_ms: int, end_ms: int, anchor: int, tick: int, plan: HistorySeed
) -> list[Bar]:
    """Return the 1-minute bars of ``[first_ms, end_ms)`` whose last close is ``anchor``.

    Walked backwards from the anchor in log price, ``STEPS_PER_MINUTE`` steps a minute; a
    price is ``anchor * exp(offset)`` rounded down to ``tick`` (at least one tick).
    """
    rng = random.Random(seed)
    sigma = plan.step_bps / 10_000 / math.sqrt(STEPS_PER_MINUTE)
    minutes = (end_ms - first_ms) // MINUTE_MS
    offset = 0.0
    bars: list[Bar] = []
    for index in range(minutes):
        points = [offset]
        for _ in range(STEPS_PER_MINUTE):
            offset -= rng.gauss(0.0, sigma)
            points.append(offset)
        prices = [_price(anchor, point, tick) for point in reversed(points)]
        open_ms = end_ms - (index + 1) * MINUTE_MS
        bars.append(Bar(open_ms, prices[0], max(prices), min(prices), prices[-1]))
    bars.reverse()
    if bars:
        bars[-1].close = anchor  # exactly, not rounded: the next bar opens there
        bars[-1].high = max(bars[-1].high, anchor)
        bars[-1].low = min(bars[-1].low, anchor)
    return bars


def recorded_bars(
    shape: tuple[Minute, ...], first_ms: int, end_ms: int, anchor: int, tick: int
) -> list[Bar]:
    """Return the last recorded minutes that fit in ``[first_ms, end_ms)``, scaled to end at
    ``anchor``: price x anchor / the last recorded close, rounded down to ``tick`` (at least
    one tick); the last close is ``anchor`` exactly. Minutes are laid one after the other up to
    ``end_ms`` (a gap in the recording closes up)."""
    count = min(len(shape), (end_ms - first_ms) // MINUTE_MS)
    rows = shape[len(shape) - count :]
    if not rows:
        return []
    last = rows[-1][3]

    def scaled(raw: int) -> int:
        price = raw * anchor // last
        return max(tick, price - price % tick)

    bars = [
        Bar(end_ms - (count - index) * MINUTE_MS, *(scaled(p) for p in row[:4]))
        for index, row in enumerate(rows)
    ]
    bars[-1].close = anchor
    bars[-1].high, bars[-1].low = max(bars[-1].high, anchor), min(bars[-1].low, anchor)
    return bars


def _recorded_volume(
    bars: list[Bar], shape: tuple[Minute, ...], anchor: int, seed: str, step: int
) -> None:
    """Give trade bars the recorded volumes at the same notional: quantity x last close /
    anchor, down to ``step``; takers' share and trade counts drawn as for the walk."""
    rng = random.Random(seed)
    last = shape[-1][3]
    for bar, row in zip(bars, shape[len(shape) - len(bars) :], strict=True):
        typical = (bar.open + bar.high + bar.low + bar.close) // 4
        quantity = row[4] * last // anchor
        quantity -= quantity % step
        bought = int(quantity * rng.uniform(0.35, 0.65))
        bought -= bought % step
        bar.volume, bar.quote = quantity, quantity * typical
        bar.taker_buy_volume, bar.taker_buy_quote = bought, bought * typical
        bar.trades = rng.randint(20, 200) if quantity else 0


def _price(anchor: int, offset: float, tick: int) -> int:
    raw = int(anchor * math.exp(offset))
    return max(tick, raw - raw % tick)


def _add_volume(bars: list[Bar], seed: str, step: int, notional: int) -> None:
    """Give trade bars a volume: a log-normal notional a minute (sigma 0.5), down to ``step``.

    quantity = notional * SCALE**2 // typical price (raw qty); quote = quantity * typical.
    """
    rng = random.Random(seed)
    for bar in bars:
        typical = (bar.open + bar.high + bar.low + bar.close) // 4
        amount = int(notional * rng.lognormvariate(-0.125, 0.5) * SCALE)  # raw quote, 10**-8
        quantity = amount * SCALE // typical
        quantity -= quantity % step
        bought = int(quantity * rng.uniform(0.35, 0.65))
        bought -= bought % step
        bar.volume, bar.quote = quantity, quantity * typical
        bar.taker_buy_volume, bar.taker_buy_quote = bought, bought * typical
        bar.trades = rng.randint(20, 200) if quantity else 0
