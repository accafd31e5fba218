"""Binance's funding: impact prices, the premium index, the funding rate and each payment.

binance-mechanics §9 (FAQ-FR):

    Premium Index P = [max(0, Impact Bid − PI) − max(0, PI − Impact Ask)] / PI
    Funding Rate  F = P̄ + clamp(I − P̄, −0.05%, +0.05%), then clamped to the symbol's cap/floor
    Payment         = position size × mark price × F   (rate > 0: longs pay shorts)

Impact bid/ask are the average fill prices of the Impact Margin Notional (200 USDT × max
leverage). P̄ averages the premium sampled every 5 s with equal weights (Binance's weights are
UNSURE). Every price, rate, quantity and amount is a raw ``int`` count of 1e-8 units
(``fixed.SCALE``). Prices and rates round half-even; payments round against the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from liquidator.core.money.scaled import SCALE, Rounding, ceil_div, divide, round_scaled


@dataclass(frozen=True, slots=True)
class FundingConfig:
    """One symbol's funding parameters (defaults: Binance's 8 h USDⓈ-M values)."""

    interval_ms: int = 8 * 3600 * 1000
    interest_rate_raw: int = 10_000  # 0.01% per interval (0.03% a day at 8 h)
    clamp_raw: int = 50_000  # 0.05%: how far F may stray from P̄ toward the interest rate
    # A configurable default: Binance publishes per-symbol caps and floors in
    # GET /fapi/v1/fundingInfo (adjustedFundingRateCap / adjustedFundingRateFloor).
    cap_raw: int = 300_000  # 0.3%
    floor_raw: int = -300_000  # -0.3%
    sample_interval_ms: int = 5_000
    impact_margin_raw: int = 200 * SCALE  # 200 USDT

    def __post_init__(self) -> None:
        if self.interval_ms <= 0:
            raise ValueError(f"interval_ms must be positive, got {self.interval_ms}")
        if not 0 < self.sample_interval_ms <= self.interval_ms:
            raise ValueError(
                f"sample_interval_ms must be in (0, interval_ms], got {self.sample_interval_ms}"
            )
        if self.clamp_raw < 0:
            raise ValueError(f"clamp_raw cannot be negative, got {self.clamp_raw}")
        if self.floor_raw > self.cap_raw:
            raise ValueError(f"floor_raw {self.floor_raw} is above cap_raw {self.cap_raw}")
        if self.impact_margin_raw <= 0:
            raise ValueError(f"impact_margin_raw must be positive, got {self.impact_margin_raw}")


def impact_notional_raw(impact_margin_raw: int, max_leverage: int) -> int:
    """Return the Impact Margin Notional: the impact margin over the initial rate at max leverage.

    IMN = margin / (1 / max_leverage) = margin × max_leverage, exact in 1e-8 quote units
    (200 USDT at 125x → 25,000 USDT).
    """
    if max_leverage <= 0:
        raise ValueError(f"max_leverage must be positive, got {max_leverage}")
    return impact_margin_raw * max_leverage


def impact_price_raw(levels: Iterable[tuple[int, int]], notional_raw: int) -> int | None:
    """Return the average price paid to fill ``notional_raw`` of quote notional from ``levels``.

    ``levels`` are (price_raw, qty_raw), best first; whole levels are taken until the last one,
    which is taken in part. Average = notional / Σ qty_i, exact (level notional price × qty is
    in 1e-16 units), rounded half-even to 1e-8 quote units. None when the book holds less.
    """
    if notional_raw <= 0:
        raise ValueError(f"notional_raw must be positive, got {notional_raw}")
    remaining = notional_raw * SCALE  # 1e-16 quote units, the unit of price_raw × qty_raw
    filled_qty = Fraction(0)  # 1e-8 base units
    for price, qty in levels:
        if price <= 0 or qty < 0:
            raise ValueError(f"invalid book level ({price}, {qty})")
        level_notional = price * qty
        if level_notional >= remaining:
            filled_qty += Fraction(remaining, price)
            # notional_raw / qty_raw: the 1e-8 scales cancel, leaving a price in quote units.
            return round_scaled(Fraction(notional_raw) / filled_qty, Rounding.HALF_EVEN)
        filled_qty += qty
        remaining -= level_notional
    return None


def premium_index_raw(impact_bid_raw: int, impact_ask_raw: int, index_raw: int) -> int:
    """Return the premium index: how far the impact prices sit outside the price index.

    [max(0, IB − PI) − max(0, PI − IA)] / PI, a raw 1e-8 rate, rounded half-even.
    """
    if index_raw <= 0:
        raise ValueError(f"index_raw must be positive, got {index_raw}")
    premium = max(0, impact_bid_raw - index_raw) - max(0, index_raw - impact_ask_raw)
    return round_scaled(Fraction(premium, index_raw), Rounding.HALF_EVEN)


class PremiumAverage:
    """The equal-weight average of the premium samples of one funding interval.

    The mean is kept up to date as samples come (the mark price reads it on every trade).
    """

    __slots__ = ("_count", "_mean", "_sum")

    def __init__(self) -> None:
        self._sum = 0
        self._count = 0
        self._mean: int | None = None

    @property
    def count(self) -> int:
        """How many samples have been added since the last reset."""
        return self._count

    def add(self, premium_raw: int) -> None:
        """Record one premium sample (a raw 1e-8 rate)."""
        self._sum += premium_raw
        self._count += 1
        self._mean = divide(self._sum, self._count, Rounding.HALF_EVEN)

    def mean_raw(self) -> int | None:
        """Return Σ P_i / n as a raw 1e-8 rate, rounded half-even; None without samples."""
        return self._mean

    def reset(self) -> None:
        """Forget every sample (at each funding time)."""
        self._sum = 0
        self._count = 0
        self._mean = None

    def to_state(self) -> list[int]:
        """Return [sum, count] for a snapshot."""
        return [self._sum, self._count]

    @classmethod
    def from_state(cls, state: list[int]) -> PremiumAverage:
        """Rebuild an average from ``to_state`` output; raise if the state is malformed."""
        if len(state) != 2 or state[1] < 0 or (state[1] == 0 and state[0] != 0):
            raise ValueError(f"premium state must be [sum, count >= 0], got {state!r}")
        average = cls()
        average._sum, average._count = state
        if average._count:
            average._mean = divide(average._sum, average._count, Rounding.HALF_EVEN)
        return average


def funding_rate_raw(average_premium_raw: int, config: FundingConfig) -> int:
    """Return the funding rate for an interval from its average premium index.

    F = P + clamp(I − P, −clamp, +clamp), then clamped to [floor, cap]; exact on raw 1e-8 rates.
    So F = I whenever |I − P| <= clamp.
    """
    pull = config.interest_rate_raw - average_premium_raw
    rate = average_premium_raw + max(-config.clamp_raw, min(config.clamp_raw, pull))
    return max(config.floor_raw, min(config.cap_raw, rate))


def funding_payment_raw(quantity_raw: int, mark_raw: int, rate_raw: int) -> int:
    """Return the signed amount a position pays at funding (positive pays, negative receives).

    quantity × mark × rate, with quantity signed (long > 0): a positive rate makes longs pay.
    Units: 1e-8 base × 1e-8 quote per base × 1e-8 rate = 1e-24, brought to 1e-8 quote units.
    Rounded against the account, i.e. toward +infinity: a payment rounds up (ceiling of the
    paid amount) and a receipt rounds down (the received magnitude floors), so the venue never
    pays out more than it collects.
    """
    exact = Fraction(quantity_raw * mark_raw * rate_raw, SCALE**3)
    return round_scaled(exact, Rounding.CEILING)


def inverse_funding_payment_raw(
    quantity_raw: int, contract_size: int, mark_raw: int, rate_raw: int
) -> int:
    """Return the signed coin amount an inverse (COIN-M) position pays at funding.

    quantity × contract_size / mark × rate: the position's coin value at the mark times the
    rate (binance-mechanics §9 with COIN-M's notional, §4). Units: 1e-8 contracts × USD / (1e-8
    USD per coin) × 1e-8 rate = 1e-8 coin, so the raw result is ``q × CS × rate / mark``.
    Rounded toward +infinity like :func:`funding_payment_raw` (payments up, receipts down).
    """
    if mark_raw <= 0:
        raise ValueError(f"mark_raw must be positive, got {mark_raw}")
    return ceil_div(quantity_raw * contract_size * rate_raw, mark_raw)


def inverse_levels(
    levels: Iterable[tuple[int, int]], contract_size: int
) -> Iterator[tuple[int, int]]:
    """Return book levels of contracts as (price, coin quantity) for :func:`impact_price_raw`.

    A level of ``q`` contracts at ``P`` is worth ``q × CS`` USD, i.e. ``q × CS / P`` coin
    (rounded down): filling a USD impact notional over these levels averages the prices
    harmonically, as contracts are priced. COIN-M's impact notional is 200 USD × max leverage
    (binance-mechanics §9); the harmonic average is our reading (UNSURE).
    """
    for price, quantity in levels:
        if price > 0:
            yield price, quantity * contract_size * SCALE // price


def next_funding_time_ms(now_ms: int, interval_ms: int) -> int:
    """Return the first funding time strictly after ``now_ms``.

    The next multiple of ``interval_ms`` since the epoch, so 8 h gives 00:00/08:00/16:00 UTC;
    at a funding time exactly, the following one.
    """
    if interval_ms <= 0:
        raise ValueError(f"interval_ms must be positive, got {interval_ms}")
    return (now_ms // interval_ms + 1) * interval_ms
