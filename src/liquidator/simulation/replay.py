"""Replay a price path through the engine with a population of traders; measure the cascade.

Inputs: price ticks ``(ms, symbol, price)`` in time order (from kline files along each minute's
path, or a synthetic scenario), funding rates ``(ms, symbol, rate)``, a population. The venue
takes its mark and index from the ticks (the mark *is* the path's price: Binance's mark klines
are not in the data, see ``../shared/data``), its funding rates from the file (settled at
00:00/08:00/16:00 UTC by the engine), and its liquidity from the built-in market maker, quoting
around the mark, or from a capture's own book mirrored each second by the ``@book`` account
(``simulation/book_liquidity``); liquidation orders hit that book and move the last price.

Everything is deterministic: the same ticks, funding, population and configuration give the same
state hash and the same numbers. The run keeps what a report needs: the prices, the liquidations,
the insurance fund, open interest, and every ``sample_every_ms`` the population's margin ratios,
liquidation prices and ADL quantiles.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

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
from liquidator.core.exchange.ledger import LedgerPosted
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.venue import FeeSchedule, PriceSource, VenueConfig
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import trigger_price
from liquidator.core.money.fixed import SCALE, Price, Rate
from liquidator.core.risk.adl_ranking import AdlPolicy
from liquidator.core.risk.insurance_groups import InsuranceConfig, is_fund
from liquidator.core.risk.venue_units import unit, unit_figures, unit_key
from liquidator.read.account_figures import pnl_and_maintenance
from liquidator.simulation.book_liquidity import BookLiquidity, BookMirror, book_account_commands
from liquidator.simulation.captured_book import BookFrame
from liquidator.simulation.crowd import (
    MINUTE_MS,
    Batch,
    Crowd,
    CrowdConfig,
    batch_commands,
    quantity_of,
)
from liquidator.simulation.feeds import Tick, kline_ticks
from liquidator.simulation.population import (
    HOUSE,
    PopulationConfig,
    Trader,
    draw,
    house_commands,
    opening_commands,
)
from liquidator.simulation.replay_result import (
    LEVERAGE_BUCKETS,
    Liquidation,
    ReplayResult,
    Sample,
)

Held = tuple[str, str, PositionSide]  # a position: account, symbol, side
_KEPT = frozenset({PositionLiquidated, AutoDeleveraged, LiquidationTriggered, FundingSettled})
INDEX, MARK, LAST = 0, 1, 2  # what a feed item prices (at one ms: index, then mark, then last)
__all__ = [
    "LEVERAGE_BUCKETS",
    "Liquidation",
    "Replay",
    "ReplayConfig",
    "ReplayResult",
    "Sample",
    "Tick",
    "kline_ticks",
]


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
    crowd: CrowdConfig | None = None  # a population living through time (None: opened once)
    book: BookLiquidity | None = None  # a capture's book as the liquidity (``run``'s ``books``)

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


class Replay:
    """One run of a price path through a fresh engine."""

    def __init__(self, market: Market, config: ReplayConfig) -> None:
        self.market = market
        self.config = config
        self.engine = Engine(market, config.venue())
        self.result = ReplayResult()
        self.last_sample = -1
        self.last_index: dict[str, int] = {}
        self.held: dict[Held, int] = {}  # open quantity per position
        self.held_by: dict[str, list[tuple[int, Held]]] = {}  # an account's positions, each
        # with its place in ``held`` (the order of a batch's exits)
        self.open_interest = 0
        self.fund_balances: dict[str, int] = {}  # each fund's margin balance, when last moved
        self.funds_moved = True  # a posting to a fund since (or never computed)
        self.fund_positions = 0  # the funds' open positions (their balance follows the marks)
        self.fund_names = sorted({config.insurance.fund_of(s) for s in self.engine.venue.symbols})
        self.shown_funds: list[str] = []  # the funds backing the replayed symbols
        self.symbols: list[str] = []
        self.crowd: Crowd | None = None  # the living population (None: opened once, as drawn)
        self.crowd_minute = -1
        self.book = BookMirror(config.book) if config.book is not None else None

    def handle(self, command: Command, now_ms: int) -> list[Event]:
        return self._apply(command, now_ms)[0]

    def _apply(self, command: Command, now_ms: int) -> tuple[list[Event], bool]:
        """Hand ``command`` to the engine and record its events; also whether it was accepted."""
        outcome = self.engine.handle(command, now_ms)
        self.result.commands += 1
        self._record(outcome.events, now_ms)
        return outcome.events, outcome.rejection is None

    def run(
        self,
        ticks: Iterable[Tick],
        symbols: list[str],
        funding: Iterable[tuple[int, str, int]] = (),
        progress: Callable[[int], None] | None = None,
        marks: Sequence[Tick] = (),
        indexes: Sequence[Tick] = (),
        books: Sequence[BookFrame] = (),
    ) -> ReplayResult:
        """Replay ``ticks`` (prices of ``symbols``); return what happened.

        ``marks`` and ``indexes`` (a mark-price and an index-price path, e.g. from Binance's
        ``markPriceKlines`` and ``indexPriceKlines``, or a capture's ``markPriceUpdate``) replace,
        for the symbols they price, the mark and the index otherwise taken from ``ticks``.
        ``books`` (a capture's frames, in time order) are the liquidity when the configuration
        has ``book``: each frame is mirrored by ``@book`` before the prices of its time.
        """
        rates = sorted(funding)
        pending = self._start(symbols)
        marked = {symbol for _, symbol, _ in marks}
        indexed = {symbol for _, symbol, _ in indexes}
        frames = iter(books if self.book is not None else ())
        frame = next(frames, None)
        due: dict[str, BookFrame] = {}  # the latest frame of each symbol not yet mirrored
        started = False
        for now, role, symbol, price in _feed(ticks, marks, indexes):
            if symbol not in self.engine.venue.symbols:
                continue
            if not started:
                started = True
                self._open_venue_accounts(now)
            while rates and rates[0][0] <= now:
                self._set_funding(rates.pop(0), now)
            while frame is not None and frame.ms <= now:
                due[frame.symbol] = frame
                frame = next(frames, None)
            self._mirror(due, now)
            if self._price(now, role, symbol, price, marked, indexed):
                self._mirror(due, now)  # a symbol's first frame waits for its first mark
                pending = self._after_price(pending, now)
                if progress is not None:
                    progress(now)
        self._finish()
        return self.result

    def _open_venue_accounts(self, now: int) -> None:
        """Open the house (and ``@book`` when the captured book is the liquidity)."""
        self.result.start_ms = now
        for command in house_commands(self.symbols):
            self.handle(command, now)
        if self.book is not None:
            venue = self.engine.venue
            assets = sorted({venue.symbols[s].instrument.margin_asset for s in self.symbols})
            for command in book_account_commands(assets):
                self.handle(command, now)

    def _mirror(self, due: dict[str, BookFrame], now: int) -> None:
        """Bring ``@book`` to the due frames of the symbols that have a mark (others wait)."""
        if not due or self.book is None:
            return
        for symbol in sorted(due):
            state = self.engine.venue.symbols.get(symbol)
            if state is None:
                del due[symbol]
                continue
            if state.mark_price <= 0:
                continue
            for command in self.book.commands(self.engine.venue, due.pop(symbol)):
                if not self._apply(command, now)[1]:
                    self.book.refused += 1

    def _start(self, symbols: list[str]) -> list[Trader]:
        """Keep the market's symbols among ``symbols``; return the traders to open, in order."""
        symbols = sorted(s for s in symbols if s in self.engine.venue.symbols)
        if not symbols:
            raise ValueError("none of the price sources is a symbol of the market")
        self.shown_funds = sorted({self.config.insurance.fund_of(s) for s in symbols})
        self.symbols = symbols
        if self.config.crowd is not None:
            self.crowd = Crowd(self.config.population, self.config.crowd, symbols, self.market)
            traders: list[Trader] = []
        else:
            traders = draw(self.config.population, symbols)
            self.result.traders = traders
        return sorted(traders, key=lambda t: (t.entry_offset_ms, t.name))

    def _after_price(self, pending: list[Trader], now: int) -> list[Trader]:
        """Open the traders due, run the crowd's minute, count the tick; the traders left."""
        if pending and self.result.start_ms + pending[0].entry_offset_ms <= now:
            pending = self._open_due(pending, now)
        if self.crowd is not None and now - now % MINUTE_MS != self.crowd_minute:
            self._crowd_batch(now)
        self.result.ticks += 1
        self.result.end_ms = now
        return pending

    def _price(
        self, now: int, role: int, symbol: str, price: int, marked: set[str], indexed: set[str]
    ) -> bool:
        """Feed one price to the engine; False when a path's tick has nothing to set."""
        if role == INDEX:
            self.handle(SetIndexPrice(symbol, Price(price)), now)
            return True
        if role == MARK:
            self.handle(SetMarkPrice(symbol, Price(price)), now)
            return True
        fed = False
        last = self.last_index.get(symbol, -(10**15))
        if symbol not in indexed and now - last >= self.config.index_every_ms:
            self.last_index[symbol] = now
            self.handle(SetIndexPrice(symbol, Price(price)), now)
            fed = True
        if symbol not in marked:
            self.handle(SetMarkPrice(symbol, Price(price)), now)
            fed = True
        return fed

    def _set_funding(self, rated: tuple[int, str, int], now: int) -> None:
        _, symbol, rate = rated
        if symbol in self.engine.venue.symbols:
            self.handle(SetFundingRate(symbol, Rate(rate)), now)

    def _crowd_batch(self, now: int) -> None:
        """Run the living population's minute: exits and arrivals, trader to trader."""
        assert self.crowd is not None
        venue = self.engine.venue
        prices = {s: venue.symbols[s].mark_price for s in self.symbols}
        if any(price <= 0 for price in prices.values()):
            return  # a symbol not priced yet: wait for it
        first = self.crowd_minute < 0
        self.crowd_minute = now - now % MINUTE_MS
        if first:
            batch = Batch(self.crowd.first(), [])
        else:
            batch = self.crowd.minute(now, self.result.start_ms, prices)
        leaving = self._leaving(batch.exits)
        for symbol in self.symbols:
            instrument = venue.symbols[symbol].instrument
            step, tick = instrument.step_size.raw, instrument.tick_size.raw
            arrivals = [
                (t, quantity_of(t, prices[symbol], step))
                for t in batch.arrivals
                if t.symbol == symbol and t.name not in venue.accounts
            ]
            arrivals = [(t, q) for t, q in arrivals if q > 0]
            exits = self._exiting(leaving, symbol)
            if not arrivals and not exits:
                continue
            for command in batch_commands(arrivals, exits, symbol, prices[symbol], tick):
                if not isinstance(command, CancelAllOrders) or self._resting(command):
                    self.handle(command, now)
            for trader, _ in arrivals:
                account = venue.accounts.get(trader.name)
                if account is not None and account.open_positions():
                    self.crowd.opened(trader)
                    self.result.traders.append(trader)
                    self.result.opened += 1

    def _resting(self, cancel: CancelAllOrders) -> bool:
        """Tell whether ``cancel`` has orders to cancel (a cancel of none changes nothing)."""
        account = self.engine.venue.accounts.get(cancel.account)
        held = account.symbols.get(cancel.symbol) if account is not None else None
        return held is not None and bool(held.orders)

    def _leaving(self, names: list[str]) -> list[tuple[int, Held]]:
        """Return the positions of ``names`` in the order ``held`` first saw them, numbered.

        Each position's number is its place in ``held`` (a dictionary keeps the order of first
        insertion), so the batch looks up its exits rather than walking every position ever held.
        """
        return sorted(item for name in set(names) for item in self.held_by.get(name, ()))

    def _exiting(self, leaving: list[tuple[int, Held]], symbol: str) -> list[tuple[str, bool, int]]:
        """Return the open positions in ``symbol`` among ``leaving``: (name, long, quantity)."""
        exits = []
        for _, key in leaving:
            quantity = self.held[key]
            if key[1] == symbol and quantity:
                exits.append((key[0], quantity > 0, abs(quantity)))
        return exits

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
        priced = False
        closed: list[str] = []
        result = self.result
        for event in events:
            kind = type(event)  # events are final classes: one identity test each
            if kind is PricesUpdated or kind is TradeExecuted:
                priced = True
            elif kind is PositionChanged:
                self._position_changed(cast(PositionChanged, event), closed)
            elif kind is LedgerPosted:
                self._posted(cast(LedgerPosted, event))
            elif kind in _KEPT:
                self._keep(event, now)
        self._follow(events, closed, now)
        if priced:
            self._record_prices(now)
        if now - self.last_sample >= self.config.sample_every_ms:
            self.last_sample = now
            result.samples.append(self._sample(now))

    def _keep(self, event: Event, now: int) -> None:
        """Keep a liquidation, an ADL close, a trigger or a funding settlement in the result."""
        result = self.result
        if isinstance(event, PositionLiquidated):
            result.liquidations.append(_liquidation(event, now))
        elif isinstance(event, AutoDeleveraged):
            result.adl.append(event)
        elif isinstance(event, LiquidationTriggered):
            result.triggered.append(event)
        elif isinstance(event, FundingSettled):
            result.funding.append(event)

    def _follow(self, events: list[Event], closed: list[str], now: int) -> None:
        """Tell the captured book its fills and the crowd whose positions are gone."""
        if self.book is not None:
            self.book.record(events)
        if closed and self.crowd is not None:
            self._crowd_closed(closed, events, now)

    def _record_prices(self, now: int) -> None:
        for symbol, state in self.engine.venue.symbols.items():
            series = self.result.prices.setdefault(symbol, [])
            point = (now, state.mark_price, state.index_price, state.last_price)
            if not series or series[-1][1:] != point[1:]:
                series.append(point)
        self._record_funds(now)
        self.result.open_interest.append((now, self.open_interest))

    def _position_changed(self, event: PositionChanged, closed: list[str]) -> None:
        account, quantity = event.account, event.quantity  # each field read once (compiled)
        key = (account, event.symbol, event.position_side)
        held = self.held
        before = held.get(key)
        if before is None:
            before = 0
            self.held_by.setdefault(account, []).append((len(held), key))
        held[key] = quantity
        if is_fund(account):
            self.fund_positions += bool(quantity) - bool(before)
        self.open_interest += max(0, quantity) - max(0, before)
        if before and not quantity:
            closed.append(account)

    def _crowd_closed(self, closed: list[str], events: list[Event], now: int) -> None:
        """Tell the crowd whose positions are gone, and whether by a full liquidation."""
        assert self.crowd is not None
        liquidated = {e.account for e in events if isinstance(e, PositionLiquidated)}
        for name in closed:
            self.crowd.closed(name, name in liquidated, now)

    def _record_funds(self, now: int) -> None:
        balances = self._fund_balances()
        for name in self.shown_funds:
            balance = balances[name]
            series = self.result.funds.setdefault(name, [])
            if not series or series[-1][1] != balance:
                series.append((now, balance))
        self.result.fund.append((now, sum(balances.values())))

    def _fund_balances(self) -> dict[str, int]:
        """Every fund's margin balance, computed again only when it may have moved.

        A fund's balance moves with a ledger posting to its wallet (``_posted``), or with the
        marks while it holds a position (``_position_changed`` counts them).
        """
        if self.funds_moved or self.fund_positions:
            self.fund_balances = {name: self._fund_balance(name) for name in self.fund_names}
            self.funds_moved = False
        return self.fund_balances

    def _posted(self, event: LedgerPosted) -> None:
        if self.funds_moved:
            return
        for name, _ in event.postings:
            if is_fund(name):
                self.funds_moved = True
                return

    def _fund_balance(self, name: str) -> int:
        """A fund's margin balance: its wallet and what its positions are worth at the mark."""
        venue = self.engine.venue
        total = venue.ledger.balance(name, "USDT")
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
        traders = self.result.traders
        for trader in traders[:: max(1, len(traders) // self.config.sample_units)]:
            name = trader.name
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
                if position.quantity:  # its PnL at the mark, from the read model's one rule
                    equity += pnl_and_maintenance(venue, position)[0]
            self.result.equity_end[trader.name] = equity
        for name in self.shown_funds:
            end = self._fund_balance(name)
            series = self.result.funds.get(name, [])
            self.result.fund_ends[name] = end
            self.result.fund_lows[name] = min([end, *(balance for _, balance in series)])
        self.result.fund_end = sum(self._fund_balance(name) for name in self.fund_names)
        lows = [balance for _, balance in self.result.fund]
        self.result.fund_low = min(lows) if lows else self.result.fund_end
        self.result.state_hash = self.engine.state_hash()


def _feed(
    ticks: Iterable[Tick], marks: Sequence[Tick], indexes: Sequence[Tick]
) -> Iterator[tuple[int, int, str, int]]:
    """Merge the price paths in time order: ``(ms, INDEX | MARK | LAST, symbol, price)``."""
    if not marks and not indexes:  # one path: nothing to merge
        return ((ms, LAST, symbol, price) for ms, symbol, price in ticks)
    return heapq.merge(
        ((ms, INDEX, symbol, price) for ms, symbol, price in indexes),
        ((ms, MARK, symbol, price) for ms, symbol, price in marks),
        ((ms, LAST, symbol, price) for ms, symbol, price in ticks),
        key=lambda item: item[0],
    )


def _liquidation(event: PositionLiquidated, now: int) -> Liquidation:
    """One liquidation as the result keeps it (the long's side is the forced SELL's)."""
    return Liquidation(
        now,
        event.account,
        event.symbol,
        "LONG" if event.side == "SELL" else "SHORT",
        event.quantity,
        event.quantity * event.bankruptcy_price // SCALE,
        event.bankruptcy_price,
        event.clearance_fee,
        event.taken_over,
        event.deleveraged,
        event.partial,
    )
