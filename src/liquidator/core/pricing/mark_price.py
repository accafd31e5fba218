"""Binance's mark price: the median of a funding price, a basis price and the last price.

binance-mechanics §5 (FAQ-MP, COIN-M perpetual; USDⓈ-M presumably the same, window UNSURE):

    Mark Price = Median(Price 1, Price 2, Last Price)
    Price 1    = Price Index × (1 + Last Funding Rate × Time Until Funding / Funding Interval)
    Price 2    = Price Index + Moving Average(basis),  basis = (Bid1 + Ask1)/2 − Price Index

The moving average is the mean of the last 30 basis samples taken every 5 s (2.5 minutes).
Every price, rate and basis is a raw ``int`` count of 1e-8 units (``fixed.SCALE``). A mark price
is neither a credit nor a charge to an account, so every rounding here is half-even.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final

from liquidator.core.money.scaled import SCALE, Rounding, divide

_HALF_EVEN: Final = Rounding.HALF_EVEN  # a mark price is neither credit nor charge


@dataclass(frozen=True, slots=True)
class MarkPriceConfig:
    """How often the basis is sampled and how many samples its moving average spans."""

    basis_sample_interval_ms: int = 5_000
    basis_window: int = 30

    def __post_init__(self) -> None:
        if self.basis_sample_interval_ms <= 0:
            raise ValueError(
                f"basis_sample_interval_ms must be positive, got {self.basis_sample_interval_ms}"
            )
        if self.basis_window <= 0:
            raise ValueError(f"basis_window must be positive, got {self.basis_window}")


class BasisAverage:
    """The moving average of the last ``window`` basis samples (raw, 1e-8 quote units).

    The mean is kept up to date as samples come (the mark price reads it on every trade).
    """

    __slots__ = ("_mean", "_samples")

    def __init__(self, window: int) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive, got {window}")
        self._samples: deque[int] = deque(maxlen=window)
        self._mean: int | None = None

    @property
    def window(self) -> int:
        """How many samples the average spans at most."""
        maxlen = self._samples.maxlen
        assert maxlen is not None  # always built with a window
        return maxlen

    @property
    def count(self) -> int:
        """How many samples the average holds now (at most ``window``)."""
        return len(self._samples)

    def add(self, basis_raw: int) -> None:
        """Record a basis sample, dropping the oldest once ``window`` samples are held."""
        self._samples.append(basis_raw)
        self._mean = divide(sum(self._samples), len(self._samples), _HALF_EVEN)

    def mean_raw(self) -> int | None:
        """Return the mean of the held samples, or None when there are none.

        Σ basis_i / n, in 1e-8 quote units, rounded half-even.
        """
        return self._mean

    def to_state(self) -> list[int]:
        """Return the held samples, oldest first, for a snapshot."""
        return list(self._samples)

    @classmethod
    def from_state(cls, window: int, state: list[int]) -> BasisAverage:
        """Rebuild an average from ``to_state`` output; raise if it holds more than ``window``."""
        if len(state) > window:
            raise ValueError(f"state holds {len(state)} samples, more than the window {window}")
        average = cls(window)
        average._samples.extend(state)
        if state:
            average._mean = divide(sum(state), len(state), _HALF_EVEN)
        return average


def basis_raw(best_bid_raw: int, best_ask_raw: int, index_raw: int) -> int:
    """Return one basis sample: the order book's mid price minus the price index.

    (Bid1 + Ask1)/2 − Price Index, in 1e-8 quote units, rounded half-even.
    """
    return divide(best_bid_raw + best_ask_raw - 2 * index_raw, 2, _HALF_EVEN)


def price1_raw(
    index_raw: int, funding_rate_raw: int, ms_until_funding: int, interval_ms: int
) -> int:
    """Return Price 1: the index carried forward by the share of funding still to come.

    Price Index × (1 + Funding Rate × ms_until_funding / interval_ms); the rate is a raw 1e-8
    fraction (0.0001 → 10_000), the result 1e-8 quote units, rounded half-even.
    """
    if interval_ms <= 0:
        raise ValueError(f"interval_ms must be positive, got {interval_ms}")
    if ms_until_funding < 0:
        raise ValueError(f"ms_until_funding cannot be negative, got {ms_until_funding}")
    numerator = index_raw * (SCALE * interval_ms + funding_rate_raw * ms_until_funding)
    return divide(numerator, SCALE * interval_ms, _HALF_EVEN)


def price2_raw(index_raw: int, basis_mean_raw: int | None) -> int:
    """Return Price 2: the index plus the moving average of the basis (the index without one).

    Price Index + MA(basis), exact in 1e-8 quote units.
    """
    return index_raw if basis_mean_raw is None else index_raw + basis_mean_raw


def median3(a: int, b: int, c: int) -> int:
    """Return the middle of three values (with a tie, the tied value)."""
    return sorted((a, b, c))[1]


def mark_price_raw(
    *,
    index_raw: int,
    funding_rate_raw: int,
    ms_until_funding: int,
    interval_ms: int,
    basis_mean_raw: int | None,
    last_price_raw: int | None,
) -> int:
    """Return the mark price: the median of Price 1, Price 2 and the last traded price.

    Median(P1, P2, Last) with P1 = PI × (1 + F × t / T) and P2 = PI + MA(basis) (see
    ``price1_raw``, ``price2_raw``). Without a last trade, P2 takes its place, so the median
    is P2. Prices are 1e-8 quote units, F a raw 1e-8 rate, t and T milliseconds. P1 rounds
    half-even (a mark price is neither credit nor charge); P2 and the median are exact.
    """
    price1 = price1_raw(index_raw, funding_rate_raw, ms_until_funding, interval_ms)
    price2 = price2_raw(index_raw, basis_mean_raw)
    last = price2 if last_price_raw is None else last_price_raw
    return median3(price1, price2, last)
