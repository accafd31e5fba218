"""The whole state of a venue: configuration, accounts, books, prices and the ledger.

The engine is the only thing that mutates a :class:`Venue`; the modules beside it (order entry,
matching, settlement, pricing, triggers, liquidity) are functions over it that append events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from math import gcd
from typing import Final

from mypy_extensions import mypyc_attr

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.contracts.instrument import Instrument
from liquidator.core.contracts.market import Market
from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.book import Book
from liquidator.core.exchange.ledger import Ledger
from liquidator.core.exchange.maker_quotes import MarketMakerConfig, VolatilityEstimate
from liquidator.core.exchange.orders import Order
from liquidator.core.exchange.trigger_index import TriggerIndex
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import IntTiers
from liquidator.core.money.scaled import SCALE, SCALE2
from liquidator.core.pricing.funding import FundingConfig, PremiumAverage
from liquidator.core.pricing.mark_price import BasisAverage, MarkPriceConfig
from liquidator.core.risk.adl_ranking import AdlPolicy
from liquidator.core.risk.index import RiskIndex
from liquidator.core.risk.insurance_groups import InsuranceConfig

MARKET_MAKER: Final = "@market-maker"


class PriceSource(Enum):
    """Where a symbol's mark price (or funding rate) comes from."""

    COMPUTED = "computed"  # the Binance way, from index, book and trades
    FEED = "feed"  # set by SetMarkPrice / SetFundingRate commands


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker and taker commission rates (raw; Binance USD-M VIP 0: 0.02% / 0.05%)."""

    maker_rate: int = 20_000
    taker_rate: int = 50_000

    def __post_init__(self) -> None:
        if self.maker_rate < 0 or self.taker_rate < 0:
            raise ValueError("fee rates must not be negative")


@mypyc_attr(acyclic=True)
class CommissionRate:
    """A commission rate (raw) as the fraction ``rate / 10**16`` in lowest terms, worked out once.

    ``of(notional16)`` is ``ceil(notional16 * rate / 10**16)``, the commission on a notional in
    10**-16 units (``pretrade.fee``): for Binance's rates (0.02%, 0.05%: 1 / 5e11, 1 / 2e11)
    there is no big product, and a fill reads the fraction from the venue, not from a table.
    """

    __slots__ = ("divisor", "first", "numerator", "rate", "second")

    def __init__(self, rate: int) -> None:
        common = gcd(rate, SCALE2)
        self.rate = rate
        self.numerator = rate // common
        self.divisor = SCALE2 // common
        # ``ceil(x / (a * b)) == ceil(ceil(x / a) / b)``: by SCALE (one big-integer digit) first,
        # then by the rest (within a machine word for real notionals), when SCALE divides it
        split = self.divisor % SCALE == 0
        self.first = SCALE if split else self.divisor
        self.second = self.divisor // SCALE if split else 1

    def of(self, notional16: int) -> int:
        """Return ``ceil(notional16 * rate / 10**16)`` (raw)."""
        first, second = self.first, self.second
        value = notional16 if self.numerator == 1 else notional16 * self.numerator
        value = (value + (first - 1)) // first
        return (value + (second - 1)) // second if second != 1 else value


@dataclass(frozen=True, slots=True)
class VenueConfig:
    """How the venue runs; part of every snapshot's identity."""

    fees: FeeSchedule = field(default_factory=FeeSchedule)
    mark_source: PriceSource = PriceSource.COMPUTED
    funding_source: PriceSource = PriceSource.COMPUTED
    mark: MarkPriceConfig = field(default_factory=MarkPriceConfig)
    funding: FundingConfig = field(default_factory=FundingConfig)
    market_maker: MarketMakerConfig | None = None
    market_maker_capital: int = 10**9 * 10**8  # a billion of each margin asset
    insurance: InsuranceConfig = field(default_factory=InsuranceConfig)
    margin_call_threshold: int = 80 * 10**6  # margin ratio (raw; 80%) that issues MARGIN_CALL
    adl_policy: AdlPolicy = AdlPolicy.RANKED
    adl_interval_ms: int = 30_000  # how often ADL quantiles are recomputed (0: never)
    # Each premium sample as an event (PremiumSampled: the premium index klines). False only
    # for a journal written before samples were events: it replays as it was written.
    publish_premium_samples: bool = True


class SymbolState:
    """Everything the venue tracks per symbol."""

    __slots__ = (
        "adl_quantiles",
        "basis",
        "book",
        "bounds_mark",
        "caps16",
        "feed_funding_rate",
        "holders",
        "index_price",
        "instrument",
        "last_price",
        "last_sample_ms",
        "mark_price",
        "market_buy",
        "market_sell",
        "max_buy",
        "min_notional16",
        "min_qty",
        "min_sell",
        "next_funding_ms",
        "premium",
        "step",
        "table",
        "tick",
        "tiers",
        "trade_id",
        "trigger_index",
        "triggers",
        "volatility",
    )

    def __init__(self, instrument: Instrument, table: BracketTable, config: VenueConfig) -> None:
        self.instrument = instrument
        self.table = table
        size = instrument.contract_size if instrument.is_inverse else 0
        self.tiers = IntTiers(table, inverse_contract_size=size)
        self.book = Book(instrument.symbol)
        self.index_price = 0
        self.mark_price = 0
        self.last_price = 0
        self.trade_id = 0
        self.next_funding_ms = 0  # set on the first clock reading
        self.last_sample_ms = -1
        self.feed_funding_rate: int | None = None
        self.basis = BasisAverage(config.mark.basis_window)
        self.premium = PremiumAverage()
        half_life = config.market_maker.volatility_half_life if config.market_maker else 20
        self.volatility = VolatilityEstimate(half_life)
        self.triggers: dict[int, Order] = {}  # conditional orders waiting, by id
        self.trigger_index = TriggerIndex()  # derived from ``triggers``
        self.holders: dict[tuple[str, PositionSide], int] = {}  # open positions: signed qty
        self.adl_quantiles: dict[tuple[str, str], int] = {}  # (account, side) -> 0..4
        # What every order's checks read, as raw ints worked out once: ``Price`` and ``Qty``
        # are interpreted classes (each ``.raw`` a generic attribute lookup), and a product of
        # two raw values past 2**30 leaves the machine word in compiled code.
        self.tick = instrument.tick_size.raw
        self.step = instrument.step_size.raw
        self.min_qty = instrument.min_qty.raw
        minimum = instrument.min_notional
        self.min_notional16 = minimum.raw * SCALE if minimum is not None else 0  # 10**-16
        self.caps16: list[int | None] = [  # by leverage: the notional cap (10**-16)
            None if cap is None else cap * SCALE
            for cap in map(table.max_notional_at_leverage, range(table.max_leverage + 1))
        ]
        # the limit prices relative to the mark, at the mark ``bounds_mark``
        # (``order_rules.price_limits``): PERCENT_PRICE's and the market take bound's
        self.bounds_mark = 0
        self.max_buy = 0
        self.min_sell = 0
        self.market_buy = 0
        self.market_sell = 0

    def max_notional16_at(self, leverage: int) -> int | None:
        """Return ``table.max_notional_at_leverage(leverage)`` in 10**-16 units."""
        if leverage >= len(self.caps16):
            return None
        return self.caps16[max(leverage, 0)]

    def to_state(self) -> dict[str, object]:
        return {
            "index": self.index_price,
            "mark": self.mark_price,
            "last": self.last_price,
            "trade_id": self.trade_id,
            "next_funding_ms": self.next_funding_ms,
            "last_sample_ms": self.last_sample_ms,
            "feed_funding_rate": self.feed_funding_rate,
            "basis": self.basis.to_state(),
            "premium": self.premium.to_state(),
            "volatility": self.volatility.to_state(),
            "bids": [o.to_state() for o in self.book.bids.orders()],
            "asks": [o.to_state() for o in self.book.asks.orders()],
            "triggers": [o.to_state() for o in self.triggers.values()],
            "adl": sorted([a, s, q] for (a, s), q in self.adl_quantiles.items()),
        }


class Venue:
    """Accounts, symbols, the ledger and the counters; read by the API, written by the engine."""

    __slots__ = (
        "accounts",
        "assets",
        "config",
        "ledger",
        "maker_fee",
        "margin_called",
        "market",
        "next_adl_ms",
        "next_due_ms",
        "now_ms",
        "order_id",
        "risk",
        "symbol_states",
        "symbols",
        "taker_fee",
    )

    def __init__(self, market: Market, config: VenueConfig) -> None:
        self.market = market
        self.config = config
        self.maker_fee = CommissionRate(config.fees.maker_rate)  # derived from ``config``
        self.taker_fee = CommissionRate(config.fees.taker_rate)
        self.accounts: dict[str, AccountState] = {}
        self.ledger = Ledger()
        self.order_id = 0
        self.now_ms = 0
        self.symbols: dict[str, SymbolState] = {}
        for symbol, instrument in sorted(market.instruments.items()):
            table = market.bracket_table(symbol)
            if table is not None:
                self.symbols[symbol] = SymbolState(instrument, table, config)
        # the same states in symbol order, for the loops that visit every symbol on every
        # command (a tuple walks natively; a dict's values through its iterator protocol)
        self.symbol_states = tuple(self.symbols.values())
        self.assets = {s: state.instrument.margin_asset for s, state in self.symbols.items()}
        self.risk = RiskIndex({s: state.tiers for s, state in self.symbols.items()})  # derived
        self.margin_called: set[tuple[str, str]] = set()  # units past the margin-call threshold
        self.next_adl_ms = 0
        self.next_due_ms = 0  # derived: nothing falls due on the clock before it (``pricing``)

    def next_order_id(self) -> int:
        self.order_id += 1
        return self.order_id

    def order(self, account: AccountState, symbol: str, order_id: int) -> Order | None:
        orders = account.symbols.get(symbol)
        return orders.orders.get(order_id) if orders is not None else None

    def to_state(self) -> dict[str, object]:
        """Return the whole state as JSON-ready values (sorted, so equal states hash equally)."""
        return {
            "now_ms": self.now_ms,
            "order_id": self.order_id,
            "ledger": self.ledger.to_state(),
            "accounts": [self.accounts[name].to_state() for name in sorted(self.accounts)],
            "symbols": {name: state.to_state() for name, state in sorted(self.symbols.items())},
            "margin_called": sorted([w, a] for w, a in self.margin_called),
            "next_adl_ms": self.next_adl_ms,
        }
