"""Binance's symbol-level ADL risk rating (``GET /fapi/v1/symbolAdlRisk``), from the venue's state.

Binance rates each symbol ``low``, ``medium`` or ``high`` every 30 minutes from the insurance
fund's balance, position concentration, book depth, volatility, leverage, unrealized PnL and
margin use, without publishing the formula. This venue rates a symbol by what decides whether
its next bankruptcy is deleveraged here: whether the insurance fund backing the symbol can
absorb it. ``coverage = fund balance / open-interest notional`` (the fund of the symbol's group
in its margin asset; open interest valued at the mark in the margin asset, as ``openInterest``
and ``openInterestHist`` value it):

* ``high``: the fund is empty or negative (a bankrupt position is deleveraged at once), or
  ``coverage < 0.1%``;
* ``medium``: ``0.1% <= coverage < 1%``;
* ``low``: ``coverage >= 1%``, or no open interest (nothing to deleverage).

The thresholds compare exact integers (``balance * 1000 < notional``), no rounding. The rating
is computed when asked and stamped with the start of the current 30-minute period
(``updateTime``), Binance's cadence.
"""

from __future__ import annotations

from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.read.account_figures import notional

PERIOD_MS = 30 * 60_000
HIGH_BELOW = 1000  # coverage < 1/1000: high
MEDIUM_BELOW = 100  # coverage < 1/100: medium


def adl_risk(venue: Venue, state: SymbolState) -> str:
    """Return ``low``, ``medium`` or ``high`` for ``state``'s symbol (see the module's rule)."""
    symbol = state.instrument.symbol
    fund = venue.config.insurance.fund_of(symbol)
    balance = venue.ledger.balance(fund, state.instrument.margin_asset)
    interest = sum(quantity for quantity in state.holders.values() if quantity > 0)
    value = notional(state, interest, state.mark_price)
    if value <= 0:
        return "low"
    if balance <= 0 or balance * HIGH_BELOW < value:
        return "high"
    if balance * MEDIUM_BELOW < value:
        return "medium"
    return "low"


def symbol_adl_risk(venue: Venue, state: SymbolState, now_ms: int) -> dict[str, object]:
    """Return one ``symbolAdlRisk`` row."""
    return {
        "symbol": state.instrument.symbol,
        "adlRisk": adl_risk(venue, state),
        "updateTime": now_ms - now_ms % PERIOD_MS,
    }
