"""``/futures/data/``: open interest, long/short ratios and taker volume, from the venue itself.

How each series is sampled:

- ``takerlongshortRatio``: every period from the stored 1-minute bars of trades (exact history):
  ``buyVol`` is the volume of trades whose taker bought, ``sellVol`` the rest, both in the base.
- ``openInterestHist``, ``globalLongShortAccountRatio``, ``topLongShortAccountRatio``,
  ``topLongShortPositionRatio``: the current period only, sampled from live state when asked
  (past samples are not stored yet), stamped with the period's start. Open interest is the sum
  of every long position (system accounts included, as ``openInterest``), valued at the mark.
  The ratios count user accounts only (the venue's market maker and funds are left out): an
  account is long or short by its net position in the symbol; "top" traders are the 20% of
  user accounts (at least one) with the largest margin balance in the symbol's margin asset,
  and the position ratio sums their long and short quantities. A ratio with nothing on one side
  is "0.0000"; ratios are rounded half up to 4 decimals, as Binance writes them.

Binance serves COIN-M's series at the same paths from its other host; here a request naming a
``pair`` (``BTCUSD``) and no ``symbol`` is COIN-M's: the pair's perpetual, rows naming the
``pair``, open interest in contracts valued in the coin. COIN-M's ``takerBuySellVol`` is not
served (its coin value needs each trade's, which the bars do not keep).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from liquidator.api import precision
from liquidator.api.errors import invalid
from liquidator.api.rest.routes_market import RANGE, symbol_state
from liquidator.api.rest.routes_quotes import open_interest_of
from liquidator.api.rest.routing import Call, Family, Handler, Param, Route
from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.venue import SymbolState
from liquidator.core.money.scaled import SCALE
from liquidator.read.account_figures import account_figures, notional
from liquidator.read.market_history import INTERVALS_MS

PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
TOP_SHARE = Fraction(1, 5)


def ratio(numerator: int, denominator: int) -> str:
    """``numerator / denominator`` with 4 decimals, half up; "0.0000" without a denominator."""
    if denominator <= 0:
        return "0.0000"
    exact = Decimal(numerator) / Decimal(denominator)
    return str(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _period(call: Call) -> int:
    name = call.params.need("period")
    if name not in PERIODS:
        raise invalid("period")
    limit = call.params.integer("limit", default=30)
    if limit is None or not 1 <= limit <= 500:
        raise invalid("limit")
    return INTERVALS_MS[name]


def _current(call: Call, period_ms: int) -> int | None:
    """The start of the current period, if the request's window includes it."""
    start = call.now_ms - call.now_ms % period_ms
    end = call.params.integer("endTime")
    since = call.params.integer("startTime")
    if (end is not None and end < start) or (since is not None and since > call.now_ms):
        return None
    return start


def _net(account: AccountState, symbol: str) -> int:
    return sum(p.quantity for p in account.open_positions() if p.symbol == symbol)


def _users(call: Call) -> list[AccountState]:
    return [a for _, a in sorted(call.server.live.venue.accounts.items()) if not a.is_system]


def _top(call: Call, state: SymbolState) -> list[AccountState]:
    venue, asset = call.server.live.venue, state.instrument.margin_asset
    users = _users(call)

    def balance(account: AccountState) -> int:
        f = account_figures(venue, account).asset(asset)
        return f.cross_wallet + f.cross_unrealized + f.isolated_wallets

    count = max(1, -(-len(users) * TOP_SHARE.numerator // TOP_SHARE.denominator))
    return sorted(users, key=balance, reverse=True)[:count]


def _sides(longs: int, shorts: int, stamp: int, symbol: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "longShortRatio": ratio(longs, shorts),
        "longAccount": ratio(longs, longs + shorts),
        "shortAccount": ratio(shorts, longs + shorts),
        "timestamp": stamp,
    }


def _account_ratio(accounts: list[AccountState], state: SymbolState, stamp: int) -> Any:
    symbol = state.instrument.symbol
    nets = [_net(a, symbol) for a in accounts]
    return _sides(sum(n > 0 for n in nets), sum(n < 0 for n in nets), stamp, symbol)


def _state(call: Call) -> SymbolState:
    """The contract asked for: by ``symbol`` (USDⓈ-M), or by ``pair`` (COIN-M's form)."""
    return symbol_state(call, "pair" if call.family is Family.COINM else "symbol")


def global_account_ratio(call: Call) -> list[dict[str, Any]]:
    state, stamp = _state(call), _current(call, _period(call))
    return [] if stamp is None else [_account_ratio(_users(call), state, stamp)]


def top_account_ratio(call: Call) -> list[dict[str, Any]]:
    state, stamp = _state(call), _current(call, _period(call))
    return [] if stamp is None else [_account_ratio(_top(call, state), state, stamp)]


def top_position_ratio(call: Call) -> list[dict[str, Any]]:
    state, stamp = _state(call), _current(call, _period(call))
    if stamp is None:
        return []
    symbol = state.instrument.symbol
    quantities = [
        p.quantity for a in _top(call, state) for p in a.open_positions() if p.symbol == symbol
    ]
    longs = sum(q for q in quantities if q > 0)
    shorts = -sum(q for q in quantities if q < 0)
    return [_sides(longs, shorts, stamp, symbol)]


def open_interest_hist(call: Call) -> list[dict[str, Any]]:
    state, stamp = symbol_state(call), _current(call, _period(call))
    if stamp is None:
        return []
    interest = open_interest_of(state)
    return [
        {
            "symbol": state.instrument.symbol,
            "sumOpenInterest": precision.fixed(interest, 8),
            "sumOpenInterestValue": precision.fixed(interest * state.mark_price // SCALE, 8),
            "timestamp": stamp,
        }
    ]


def taker_ratio(call: Call) -> list[dict[str, Any]]:
    state, period = symbol_state(call), _period(call)
    p = call.params
    bars = call.server.live.market.klines(
        state.instrument.symbol,
        period,
        start_ms=p.integer("startTime"),
        end_ms=p.integer("endTime"),
        limit=p.integer("limit", default=30) or 30,
    )
    return [
        {
            "buySellRatio": ratio(bar.taker_buy_volume, bar.volume - bar.taker_buy_volume),
            "buyVol": _volume(bar.taker_buy_volume),
            "sellVol": _volume(bar.volume - bar.taker_buy_volume),
            "timestamp": bar.open_ms,
        }
        for bar in bars
    ]


def _volume(raw: int) -> str:
    exact = Decimal(raw) / SCALE
    return str(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def coinm_open_interest_hist(call: Call) -> list[dict[str, Any]]:
    """COIN-M's ``openInterestHist`` (by ``pair`` and ``contractType``): contracts, and their
    value in the coin at the mark (``read.account_figures.notional``, toward zero)."""
    state, stamp = _state(call), _current(call, _period(call))
    kind = call.params.need("contractType")
    if kind not in ("ALL", "PERPETUAL", "CURRENT_QUARTER", "NEXT_QUARTER"):
        raise invalid("contractType")
    if stamp is None or kind not in ("ALL", "PERPETUAL"):
        return []  # this venue lists perpetuals only
    interest = open_interest_of(state)
    return [
        {
            "pair": pair_of(state),
            "contractType": kind,
            "sumOpenInterest": precision.quantity(state.instrument.symbol, interest),
            "sumOpenInterestValue": precision.fixed(notional(state, interest, state.mark_price), 8),
            "timestamp": stamp,
        }
    ]


def pair_of(state: SymbolState) -> str:
    return state.instrument.base_asset + state.instrument.quote_asset


def _by_pair(handler: Handler) -> Handler:
    """A ratio in COIN-M's form: the rows name the ``pair``, not the symbol."""

    def serve(call: Call) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = handler(call)
        pair = pair_of(_state(call))
        return [{"pair": pair} | {k: v for k, v in row.items() if k != "symbol"} for row in rows]

    return serve


def _either_form(usdm: Handler, coinm: Handler | None) -> Handler:
    """Binance serves these paths from two hosts; here one path serves both families: a
    request naming a ``pair`` and no ``symbol`` is COIN-M's form."""

    def serve(call: Call) -> Any:
        if coinm is not None and "pair" in call.params and "symbol" not in call.params:
            return coinm(replace(call, family=Family.COINM))
        return usdm(call)

    return serve


PARAMS = (
    Param("symbol"),  # USDⓈ-M's form (mandatory there)
    Param("pair"),  # COIN-M's form
    Param("contractType", enum=("ALL", "PERPETUAL", "CURRENT_QUARTER", "NEXT_QUARTER")),
    Param("period", required=True, enum=PERIODS),
    Param("limit", "integer"),
    *RANGE,
)
ROUTES = tuple(
    Route("GET", f"/futures/data/{name}", _either_form(handler, coinm), params=PARAMS)
    for name, handler, coinm in (
        ("openInterestHist", open_interest_hist, coinm_open_interest_hist),
        ("globalLongShortAccountRatio", global_account_ratio, _by_pair(global_account_ratio)),
        ("topLongShortAccountRatio", top_account_ratio, _by_pair(top_account_ratio)),
        ("topLongShortPositionRatio", top_position_ratio, _by_pair(top_position_ratio)),
        ("takerlongshortRatio", taker_ratio, None),
    )
)
