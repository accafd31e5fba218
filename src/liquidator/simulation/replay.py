"""Replay a price path through the engine with a population of traders; measure the cascade.

Inputs: price ticks ``(ms, symbol, price)`` in time order (from kline files along each minute's
path, or a synthetic scenario), funding rates ``(ms, symbol, rate)``, a population. The venue
takes its mark and index from the ticks (the mark *is* the path's price: Binance's mark klines
are not in the data, see ``../shared/data``), its funding rates from the file (settled at
00:00/08:00/16:00 UTC by the engine), and its liquidity from the built-in market maker, quoting
around the mark; liquidation orders hit that book and move the last price.

Everything is deterministic: the same ticks, funding, population and configuration give the same
state hash and the same numbers. The run keeps what a report needs: the prices, the liquidations,
the insurance fund, open interest, and every ``sample_every_ms`` the population's margin ratios,
liquidation prices and ADL quantiles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine
from liquidator.core.exchange.commands import (
    CancelAllOrders,
    Command,
    SetFundingRate,
    SetIndexPrice,
    SetMarkPrice,
)
from liquidator.core.exchange.events import (
    AutoDeleveraged,
    Event,
    FundingSettled,
    LiquidationTriggered,
    PositionChanged,
    PositionLiquidated,
    PricesUpdated,
    TradeExecuted,
)
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import FeeSchedule, PriceSource, VenueConfig
from liquidator.core.margin.unit import trigger_price
from liquidator.core.money.fixed import SCALE, Price, Rate
from liquidator.core.pricing.kline_path import kline_path
from liquidator.core.risk.adl_ranking import AdlPolicy
from liquidator.core.risk.insurance_groups import InsuranceConfig
from liquidator.core.risk.venue_units import unit, unit_figures, unit_key
from liquidator.read.insurance_funds import FundHistory
from liquidator.simulation.population import (
    HOUSE,
    PopulationConfig,
    Trader,
    draw,
    house_commands,
    opening_commands,
)

Tick = tuple[int, str, int]  # (ms, symbol, price raw)
LEVERAGE_BUCKETS = ((1, 5), (6, 10), (11, 25), (26, 50), (51, 125))


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    population: PopulationConfig = field(default_factory=PopulationConfig)
    market_maker: MarketMakerConfig | None = field(
        default_factory=lambda: MarketMakerConfig(requote_bps=5)  # a refresh when 5 bps off
    )
    insurance: InsuranceConfig = field(default_factory=InsuranceConfig)
    sample_every_ms: int = 60_000
    sample_units: int = 5_000  # at most this many units in a sample (an even stride)
    index_every_ms: int = 60_000  # the index is fed this often (the mark every tick)
    fees: FeeSchedule = field(default_factory=FeeSchedule)  # a venue profile's (Binance's)
    adl_policy: AdlPolicy = AdlPolicy.RANKED

    def venue(self) -> VenueConfig:
        return VenueConfig(
            fees=self.fees,
            adl_policy=self.adl_policy,
            mark_source=PriceSource.FEED,
            funding_source=PriceSource.FEED,
            market_maker=self.market_maker,
            insurance=self.insurance,
            adl_interval_ms=self.sample_every_ms,  # the ADL queue is sampled as often
        )


@dataclass(frozen=True, slots=True)
class Liquidation:
    ts_ms: int
    account: str
    symbol: str
    side: str  # of the liquidated position: LONG or SHORT
    quantity: int
    notional: int  # raw USDT, at the bankruptcy price
    bankruptcy_price: int
    fee: int
    taken_over: int
    deleveraged: int
    partial: bool


@dataclass(slots=True)
class Sample:
    """The population at one moment: margin ratios, liquidation prices, ADL quantiles."""

    ts_ms: int
    ratios: list[float]  # maintenance / margin balance, per unit (float: a chart's input)
    liquidation_prices: dict[str, list[int]]  # per symbol
    adl: Counter[int]


@dataclass(slots=True)
class ReplayResult:
    ticks: int = 0
    commands: int = 0
    start_ms: int = 0
    end_ms: int = 0
    prices: dict[str, list[tuple[int, int, int, int]]] = field(
        default_factory=dict
    )  # ms, mark, index, last
    liquidations: list[Liquidation] = field(default_factory=list)
    adl: list[AutoDeleveraged] = field(default_factory=list)
    triggered: list[LiquidationTriggered] = field(default_factory=list)
    funding: list[FundingSettled] = field(default_factory=list)
    fund: list[tuple[int, int]] = field(default_factory=list)  # ms, balance of all funds
    open_interest: list[tuple[int, int]] = field(default_factory=list)  # ms, raw qty (longs)
    samples: list[Sample] = field(default_factory=list)
    traders: list[Trader] = field(default_factory=list)
    opened: int = 0
    equity_end: dict[str, int] = field(default_factory=dict)
    entries: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)  # isolated:
    # name -> (symbol, quantity, cost, isolated wallet) right after the opening
    fund_low: int = 0
    fund_end: int = 0
    state_hash: str = ""

    def summary(self) -> dict[str, object]:
        """The numbers of the summary table (raw amounts as decimal strings)."""
        by_side: dict[str, list[Liquidation]] = {"LONG": [], "SHORT": []}
        for item in self.liquidations:
            by_side[item.side].append(item)
        fees = sum(item.fee for item in self.liquidations)
        wiped = sum(
            1
            for t in self.traders
            if t.name in self.equity_end and self.equity_end[t.name] < t.deposit * SCALE // 100
        )
        buckets = {}
        for low, high in LEVERAGE_BUCKETS:
            members = [
                t for t in self.traders if low <= t.leverage <= high and t.name in self.equity_end
            ]
            loss = sum(self.equity_end[t.name] - t.deposit * SCALE for t in members)
            buckets[f"{low}-{high}x"] = (len(members), _decimal(loss))
        return {
            "ticks": self.ticks,
            "traders": len(self.traders),
            "opened": self.opened,
            "liquidations": {side: len(items) for side, items in by_side.items()},
            "liquidated_notional": {
                side: _decimal(sum(i.notional for i in items)) for side, items in by_side.items()
            },
            "partial": sum(1 for i in self.liquidations if i.partial),
            "full": sum(1 for i in self.liquidations if not i.partial),
            "clearance_fees": _decimal(fees),
            "fund_low_water": _decimal(self.fund_low),
            "fund_end": _decimal(self.fund_end),
            "bankruptcies": sum(1 for t in self.triggered if t.margin_balance < 0),
            "taken_over": sum(1 for i in self.liquidations if i.taken_over),
            "adl_events": len(self.adl),
            "adl_notional": _decimal(sum(a.quantity * a.price // SCALE for a in self.adl)),
            "wiped_out": wiped,
            "loss_by_leverage": buckets,
            "state_hash": self.state_hash,
        }


def _decimal(raw: int) -> str:
    sign = "-" if raw < 0 else ""
    whole, fraction = divmod(abs(raw), SCALE)
    return f"{sign}{whole}.{fraction // 10**6:02d}"


class Replay:
    """One run of a price path through a fresh engine."""

    def __init__(self, market: Market, config: ReplayConfig) -> None:
        self.market = market
        self.config = config
        self.engine = Engine(market, config.venue())
        self.result = ReplayResult()
        self.funds = FundHistory()
        self.last_sample = -1
        self.last_index: dict[str, int] = {}
        self.held: dict[tuple[str, str, str], int] = {}  # open quantity per position
        self.open_interest = 0
        self.fund_names = sorted({config.insurance.fund_of(s) for s in self.engine.venue.symbols})

    def handle(self, command: Command, now_ms: int) -> list[Event]:
        outcome = self.engine.handle(command, now_ms)
        self.result.commands += 1
        self._record(outcome.events, now_ms)
        return outcome.events

    def run(
        self,
        ticks: Iterable[Tick],
        symbols: list[str],
        funding: Iterable[tuple[int, str, int]] = (),
        progress: Callable[[int], None] | None = None,
    ) -> ReplayResult:
        """Replay ``ticks`` (prices of ``symbols``); return what happened."""
        rates = sorted(funding)
        symbols = sorted(s for s in symbols if s in self.engine.venue.symbols)
        if not symbols:
            raise ValueError("none of the price sources is a symbol of the market")
        traders = draw(self.config.population, symbols)
        self.result.traders = traders
        pending = sorted(traders, key=lambda t: (t.entry_offset_ms, t.name))
        started = False
        for now, symbol, price in ticks:
            if symbol not in self.engine.venue.symbols:
                continue
            if not started:
                started = True
                self.result.start_ms = now
                for command in house_commands(symbols):
                    self.handle(command, now)
            while rates and rates[0][0] <= now:
                _, rated, rate = rates.pop(0)
                if rated in self.engine.venue.symbols:
                    self.handle(SetFundingRate(rated, Rate(rate)), now)
            if now - self.last_index.get(symbol, -(10**15)) >= self.config.index_every_ms:
                self.last_index[symbol] = now
                self.handle(SetIndexPrice(symbol, Price(price)), now)
            self.handle(SetMarkPrice(symbol, Price(price)), now)
            if pending and self.result.start_ms + pending[0].entry_offset_ms <= now:
                pending = self._open_due(pending, now)
            self.result.ticks += 1
            self.result.end_ms = now
            if progress is not None:
                progress(now)
        self._finish()
        return self.result

    def _open_due(self, pending: list[Trader], now: int) -> list[Trader]:
        """Open the traders whose time has come and whose symbol has a price; keep the rest."""
        due_until = now - self.result.start_ms
        waiting = []
        for trader in pending:
            state = self.engine.venue.symbols[trader.symbol]
            if trader.entry_offset_ms <= due_until and state.mark_price > 0:
                self._open(trader, now)
            else:
                waiting.append(trader)
        return waiting

    def _open(self, trader: Trader, now: int) -> None:
        state = self.engine.venue.symbols.get(trader.symbol)
        if state is None or state.mark_price <= 0:
            return
        before = self.engine.venue.accounts.get(trader.name)
        for command in opening_commands(trader, state.instrument, state.mark_price):
            self.handle(command, now)
        house = self.engine.venue.accounts[HOUSE].symbols.get(trader.symbol)
        if house is not None and house.orders:  # what a refused trader did not take
            self.handle(CancelAllOrders(HOUSE, trader.symbol), now)
        account = self.engine.venue.accounts.get(trader.name)
        if before is None and account is not None and account.open_positions():
            self.result.opened += 1
            if trader.isolated:
                (position,) = account.open_positions()
                wallet = self.engine.venue.ledger.balance(position.ledger_key, "USDT")
                self.result.entries[trader.name] = (
                    position.symbol,
                    position.quantity,
                    position.cost,
                    wallet,
                )

    def _record(self, events: list[Event], now: int) -> None:
        venue = self.engine.venue
        priced = False
        for event in events:
            if isinstance(event, PositionLiquidated):
                side = "LONG" if event.side == "SELL" else "SHORT"
                self.result.liquidations.append(
                    Liquidation(
                        now,
                        event.account,
                        event.symbol,
                        side,
                        event.quantity,
                        event.quantity * event.bankruptcy_price // SCALE,
                        event.bankruptcy_price,
                        event.clearance_fee,
                        event.taken_over,
                        event.deleveraged,
                        event.partial,
                    )
                )
            elif isinstance(event, AutoDeleveraged):
                self.result.adl.append(event)
            elif isinstance(event, LiquidationTriggered):
                self.result.triggered.append(event)
            elif isinstance(event, FundingSettled):
                self.result.funding.append(event)
            elif isinstance(event, TradeExecuted):
                priced = True
            elif isinstance(event, PositionChanged):
                key = (event.account, event.symbol, event.position_side.value)
                before = self.held.get(key, 0)
                self.held[key] = event.quantity
                self.open_interest += max(0, event.quantity) - max(0, before)
            elif isinstance(event, PricesUpdated):
                priced = True
        self.funds.apply(events)
        if priced:
            for symbol, state in venue.symbols.items():
                series = self.result.prices.setdefault(symbol, [])
                point = (now, state.mark_price, state.index_price, state.last_price)
                if not series or series[-1][1:] != point[1:]:
                    series.append(point)
            self.result.fund.append((now, self._fund_balance()))
            self.result.open_interest.append((now, self.open_interest))
        if now - self.last_sample >= self.config.sample_every_ms:
            self.last_sample = now
            self.result.samples.append(self._sample(now))

    def _fund_balance(self) -> int:
        """The insurance funds' margin balance: wallets and what their positions are worth."""
        venue = self.engine.venue
        total = 0
        for name in self.fund_names:
            total += venue.ledger.balance(name, "USDT")
            for position in venue.accounts[name].open_positions():
                mark = venue.symbols[position.symbol].mark_price
                total += (position.quantity * mark - position.cost) // SCALE
        return total

    def _sample(self, now: int) -> Sample:
        venue = self.engine.venue
        ratios: list[float] = []
        prices: dict[str, list[int]] = {}
        seen = set()
        adl: Counter[int] = Counter()
        names = [t.name for t in self.result.traders]
        stride = max(1, len(names) // self.config.sample_units)
        for name in names[::stride]:
            account = venue.accounts.get(name)
            if account is None:
                continue
            for position in account.open_positions():
                key = unit_key(venue, account, position)
                target = unit(venue, key)
                if target is None:
                    continue
                state = venue.symbols[position.symbol]
                adl[state.adl_quantiles.get((name, position.side.value), 0)] += 1
                if key in seen:
                    continue
                seen.add(key)
                figures = unit_figures(venue, target)
                balance = figures.margin_balance
                ratios.append(figures.maintenance / balance if balance > 0 else 1.0)
                if len(target.positions) == 1:
                    wallet = venue.ledger.balance(key[0], key[1])
                    prices.setdefault(position.symbol, []).append(
                        trigger_price(wallet, position.quantity, position.cost, state.tiers)
                    )
        return Sample(now, ratios, prices, adl)

    def _finish(self) -> None:
        venue = self.engine.venue
        for trader in self.result.traders:
            account = venue.accounts.get(trader.name)
            if account is None:
                continue
            equity = venue.ledger.balance(trader.name, "USDT")
            for position in account.held_positions():
                equity += venue.ledger.balance(position.ledger_key, "USDT")
                if position.quantity:
                    mark = venue.symbols[position.symbol].mark_price
                    equity += (position.quantity * mark - position.cost) // SCALE
            self.result.equity_end[trader.name] = equity
        self.result.fund_end = self._fund_balance()
        lows = [balance for _, balance in self.result.fund]
        self.result.fund_low = min(lows) if lows else self.result.fund_end
        self.result.state_hash = self.engine.state_hash()


def kline_ticks(bars: Iterable[object], symbol: str) -> Iterable[Tick]:
    """Turn klines (``adapters.marketdata.klines.Kline``) into ticks along each bar's path."""
    for bar in bars:
        prices = (bar.open, bar.high, bar.low, bar.close)  # type: ignore[attr-defined]
        for moment, price in kline_path(bar.open_ms, 60_000, prices):  # type: ignore[attr-defined]
            yield moment, symbol, price
