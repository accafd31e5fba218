"""Venue profiles: other venues' fees, margin tiers, clearance fee, funds and ADL, on our core.

A profile is built only from what the core exposes (``FeeSchedule``, the contracts' liquidation
fee rate, bracket tables, ``InsuranceConfig``, ``AdlPolicy``); the waterfall itself stays the
core's (partial steps one bracket at a time, fund takeover at the bankruptcy price, ADL). What a
venue does that the core cannot express is listed in ``differences`` and in docs/sweep.md, with
the core change it needs. Sources: ../shared/spec/peers.md (§1 dYdX v4, §2 Hyperliquid, §4 Bybit)
and each venue's help pages cited in docs/sweep.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from liquidator.core.contracts.brackets import Bracket, BracketTable, expected_maintenance_amount
from liquidator.core.contracts.market import Market
from liquidator.core.exchange.venue import FeeSchedule
from liquidator.core.money.fixed import SCALE, Amount, Rate
from liquidator.core.risk.adl_ranking import AdlPolicy

USDT_TOP = 10**12  # USDT: the last tier's cap (a cap the validator needs; nobody reaches it)


@dataclass(frozen=True, slots=True)
class Tier:
    """One margin tier: up to ``cap`` USDT of notional, at most ``leverage``, this maintenance."""

    cap: int  # USDT
    leverage: int
    maintenance_rate: Fraction  # exact; rounded up to 10^-8 when the table is built


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """What differs from Binance's USDⓈ-M defaults, as far as the core can express it."""

    name: str
    title: str
    fees: FeeSchedule
    liquidation_fee_rate: Fraction | None  # None: each contract's own (Binance: 1.25% BTCUSDT)
    tiers: Mapping[str, tuple[Tier, ...]] = field(default_factory=dict)  # by symbol; {}: bundled
    shared_fund: bool = False  # one fund for every symbol (dYdX's cross insurance fund)
    adl_policy: AdlPolicy = AdlPolicy.RANKED
    differences: tuple[str, ...] = ()

    def leverage_caps(self) -> tuple[tuple[str, int], ...]:
        """Return (symbol, highest leverage) of each symbol this profile tiers."""
        return tuple((symbol, tiers[0].leverage) for symbol, tiers in sorted(self.tiers.items()))

    def market(self, base: Market) -> Market:
        """Return ``base`` with this profile's clearance fee rate and margin tiers."""
        instruments = dict(base.instruments)
        if self.liquidation_fee_rate is not None:
            rate = Rate(_raw_up(self.liquidation_fee_rate))
            instruments = {
                symbol: dataclasses.replace(instrument, liquidation_fee_rate=rate)
                for symbol, instrument in instruments.items()
            }
        tables = {symbol: bracket_table(symbol, tiers) for symbol, tiers in self.tiers.items()}
        return Market(instruments, {**base.brackets, **tables})


def bracket_table(symbol: str, tiers: tuple[Tier, ...]) -> BracketTable:
    """Build a bracket table from tiers; each deduction ``cum`` from the one before it.

    ``cum_n = cum_{n-1} + floor_n × (mmr_n − mmr_{n−1})`` (Binance's maintenance amount,
    Hyperliquid's deduction, Bybit's ``mmDeduction``): the maintenance margin stays continuous.
    """
    brackets: list[Bracket] = []
    floor = 0
    for number, tier in enumerate(tiers, start=1):
        rate = Rate(_raw_up(tier.maintenance_rate))
        floor_amount = Amount(floor * SCALE, "USDT")
        if brackets:
            cum = expected_maintenance_amount(brackets[-1], floor_amount, rate)
            amount = Amount(int(cum * SCALE), "USDT")
        else:
            amount = Amount(0, "USDT")
        brackets.append(
            Bracket(
                number, tier.leverage, floor_amount, Amount(tier.cap * SCALE, "USDT"), rate, amount
            )
        )
        floor = tier.cap
    return BracketTable(symbol, tuple(brackets))


def _raw_up(rate: Fraction) -> int:
    """Return ``rate`` in 10^-8, rounded up (a requirement: against the trader)."""
    return -(-rate.numerator * SCALE // rate.denominator)


def _half_initial(leverage: int) -> Fraction:
    """Hyperliquid: the maintenance margin is half the initial margin at the tier's leverage."""
    return Fraction(1, 2 * leverage)


BINANCE = VenueProfile(
    name="binance",
    title="Binance USDⓈ-M (the core's waterfall)",
    fees=FeeSchedule(maker_rate=20_000, taker_rate=50_000),  # VIP 0: 0.02% / 0.05%
    liquidation_fee_rate=None,
)

HYPERLIQUID = VenueProfile(
    name="hyperliquid",
    title="Hyperliquid (HLP as the fund)",
    fees=FeeSchedule(maker_rate=15_000, taker_rate=45_000),  # base tier: 0.015% / 0.045%
    liquidation_fee_rate=Fraction(0),  # no clearance fee: leftover collateral stays
    tiers={
        # BTC 40x up to $150M then 20x; ETH 25x up to $100M then 15x (peers.md §2)
        "BTCUSDT": (
            Tier(150_000_000, 40, _half_initial(40)),
            Tier(USDT_TOP, 20, _half_initial(20)),
        ),
        "ETHUSDT": (
            Tier(100_000_000, 25, _half_initial(25)),
            Tier(USDT_TOP, 15, _half_initial(15)),
        ),
    },
    shared_fund=True,  # one backstop (HLP's liquidator vault) for every market
    differences=(
        "partial: 20% of a position over $100k, then a 30 s cooldown (core: one bracket a step)",
        "backstop: the vault takes the position and its margin at 2/3 MM (core: the fund takes "
        "what the book leaves at the bankruptcy price)",
        "ADL at the previous mark, ranked by unrealized PnL and leverage (core: Binance's score "
        "at the bankruptcy price)",
    ),
)

DYDX_V4 = VenueProfile(
    name="dydx",
    title="dYdX v4 (Large-Cap tier)",
    fees=FeeSchedule(maker_rate=10_000, taker_rate=50_000),  # tier 1: 0.01% / 0.05%
    liquidation_fee_rate=Fraction(15, 1000),  # max_liquidation_fee_ppm 15,000: min(1.5%, leftover)
    tiers={
        # Large-Cap: IMF 2%, maintenance fraction 0.6 -> MMR 1.2%, no size tiers (peers.md §1)
        "BTCUSDT": (Tier(USDT_TOP, 50, Fraction(2, 100) * Fraction(6, 10)),),
        "ETHUSDT": (Tier(USDT_TOP, 50, Fraction(2, 100) * Fraction(6, 10)),),
    },
    shared_fund=True,  # one insurance fund for the cross markets
    differences=(
        "at most 50 liquidations per block, 10% of a position per block, $100k per subaccount "
        "(core: every breached unit in the tick)",
        "IMF rising with open interest (core: fixed tiers)",
        "ADL from a random offset, whole positions, 10 attempts per block (core: ranked)",
        "fillable price 1.5 x MMF from the oracle (core: the bankruptcy price)",
    ),
)

BYBIT = VenueProfile(
    name="bybit",
    title="Bybit USDT perpetual (risk-limit tiers)",
    fees=FeeSchedule(maker_rate=20_000, taker_rate=55_000),  # VIP 0: 0.02% / 0.055%
    liquidation_fee_rate=Fraction(1),  # the surplus above the bankruptcy price goes to the fund
    tiers={
        # BTC: risk limit base 2M, step 2M; MM 0.5% + 0.5% a step; IM 1% + 0.75% a step
        "BTCUSDT": tuple(
            Tier(
                2_000_000 * (step + 1) if step < 4 else USDT_TOP,
                int(1 / (Fraction(1, 100) + Fraction(75, 10_000) * step)),
                Fraction(5, 1000) * (step + 1),
            )
            for step in range(5)
        ),
        # ETH: MM base 1% (Bybit's risk-limit page), IM 2% (50x), the same steps
        "ETHUSDT": tuple(
            Tier(
                1_000_000 * (step + 1) if step < 4 else USDT_TOP,
                int(1 / (Fraction(2, 100) + Fraction(75, 10_000) * step)),
                Fraction(1, 100) + Fraction(5, 1000) * step,
            )
            for step in range(5)
        ),
    },
    differences=(
        "a lowest-tier position is taken over at the bankruptcy price at once (core: into the "
        "book first, the fund for what it leaves)",
        "the step-down order is Fill-or-Kill (core: IOC)",
        "ADL'd side pays the maker fee, the liquidated side the taker fee (core: no fee)",
    ),
)

PROFILES: Mapping[str, VenueProfile] = {p.name: p for p in (BINANCE, HYPERLIQUID, DYDX_V4, BYBIT)}


def profile(name: str) -> VenueProfile:
    """Return the profile called ``name``; ValueError naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown venue profile {name!r} (known: {known})") from None
