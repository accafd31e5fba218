"""Binance's JSON shapes of an account: positionRisk rows, balances, account (v2 and v3).

Every number is a decimal string, as Binance sends them (``views.d``), positions' amounts and
marks with the symbol's precision (``precision``); times are epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liquidator.api import precision
from liquidator.api.views import d
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import PositionSide
from liquidator.read import account_figures
from liquidator.read.account_figures import AssetFigures, PositionFigures
from liquidator.read.break_even import break_even_price


def _cross_wallet(f: AssetFigures, live: LiveExchange) -> dict[str, Any]:
    """The cross-wallet fields a balance row and an account asset row share."""
    return {
        "crossWalletBalance": d(f.cross_wallet),
        "crossUnPnl": d(f.cross_unrealized),
        "availableBalance": d(max(0, f.available)),
        "maxWithdrawAmount": d(f.max_withdraw),
        "marginAvailable": True,
        "updateTime": live.last_ms or 1,
    }


def liquidation_price(venue: Venue, account: AccountState, position: PositionState) -> int:
    """The mark at which the position's unit reaches 100% (others at their marks); 0: never."""
    return account_figures.liquidation_price(venue, account, position)


def position_rows(live: LiveExchange, account: AccountState, version: int) -> list[dict[str, Any]]:
    """``positionRisk`` rows (v2: every symbol in one-way mode; v3: open positions only)."""
    venue = live.venue
    rows = []
    for symbol, state in sorted(venue.symbols.items()):
        held = sorted((p for p in account.held_positions() if p.symbol == symbol), key=_side)
        if version == 3:
            held = [p for p in held if p.quantity]
        elif not held:
            held = [PositionState(account.account, symbol, _both())]
        rows += [_position_row(live, account, state, p, version) for p in held]
    return rows


def _side(position: PositionState) -> str:
    return str(position.side.value)


def _both() -> PositionSide:
    return PositionSide.BOTH


def _position_row(
    live: LiveExchange, account: AccountState, state: SymbolState, p: PositionState, version: int
) -> dict[str, Any]:
    f = account_figures.position_figures(live.venue, account, p)
    symbol = state.instrument.symbol
    row: dict[str, Any] = {
        "symbol": symbol,
        "positionSide": p.side.value,
        "positionAmt": precision.quantity(symbol, p.quantity),
        "entryPrice": d(account_figures.entry_price(live.venue, p)),
        "breakEvenPrice": d(break_even_price(live.venue, live.orders, account.account, p)),
        "markPrice": precision.mark(f.mark),
        "unRealizedProfit": d(f.unrealized),
        "liquidationPrice": d(f.liquidation_price),
        "isolatedMargin": d(f.isolated_margin) if f.isolated else "0",
        "notional": d(f.notional),
        "isolatedWallet": d(f.isolated_wallet),
        "updateTime": live.last_ms,
    }
    if version == 3:
        return row | _margins_v3(account, state, f)
    cap = state.table.max_notional_at_leverage(f.leverage) or 0
    return row | {
        "marginType": "isolated" if f.isolated else "cross",
        "isAutoAddMargin": "false",
        "leverage": str(f.leverage),
        "maxNotionalValue": d(cap),
    }


def _margins_v3(account: AccountState, state: SymbolState, f: PositionFigures) -> dict[str, Any]:
    return {
        "marginAsset": state.instrument.margin_asset,
        "initialMargin": d(f.initial + f.order_initial),
        "maintMargin": d(f.maintenance),
        "positionInitialMargin": d(f.initial),
        "openOrderInitialMargin": d(f.order_initial),
        "adl": state.adl_quantiles.get((account.account, f.position.side.value), 0),
        "bidNotional": "0",
        "askNotional": "0",
    }


def balances(live: LiveExchange, account: AccountState) -> list[dict[str, Any]]:
    figures = account_figures.account_figures(live.venue, account)
    return [
        {
            "accountAlias": account.account[:4],
            "asset": f.asset,
            "balance": d(f.wallet),
            **_cross_wallet(f, live),
        }
        for f in figures.assets
    ]


def isolated_wallets(venue: Venue, account: AccountState, asset: str) -> int:
    return account_figures.isolated_wallets(venue, account, asset)


def _asset_row(f: AssetFigures, live: LiveExchange) -> dict[str, Any]:
    return {
        "asset": f.asset,
        "walletBalance": d(f.wallet),
        "unrealizedProfit": d(f.unrealized),
        "marginBalance": d(f.margin_balance),
        "maintMargin": d(f.maintenance),
        "initialMargin": d(f.initial),
        "positionInitialMargin": d(f.position_initial),
        "openOrderInitialMargin": d(f.order_initial),
        **_cross_wallet(f, live),
    }


def _totals(assets: tuple[AssetFigures, ...]) -> dict[str, Any]:
    def total(read: Callable[[AssetFigures], int]) -> str:
        return d(sum(read(f) for f in assets))

    return {
        "totalInitialMargin": total(lambda f: f.initial),
        "totalMaintMargin": total(lambda f: f.maintenance),
        "totalWalletBalance": total(lambda f: f.wallet),
        "totalUnrealizedProfit": total(lambda f: f.unrealized),
        "totalMarginBalance": total(lambda f: f.margin_balance),
        "totalPositionInitialMargin": total(lambda f: f.position_initial),
        "totalOpenOrderInitialMargin": total(lambda f: f.order_initial),
        "totalCrossWalletBalance": total(lambda f: f.cross_wallet),
        "totalCrossUnPnl": total(lambda f: f.cross_unrealized),
        "availableBalance": d(max(0, sum(f.available for f in assets))),
        "maxWithdrawAmount": total(lambda f: f.max_withdraw),
    }


ACCOUNT_POSITION_FIELDS = (
    "symbol",
    "positionSide",
    "positionAmt",
    "unrealizedProfit",
    "isolatedMargin",
    "notional",
    "isolatedWallet",
    "initialMargin",
    "maintMargin",
    "updateTime",
    "entryPrice",
    "leverage",
    "maxNotional",
)


def account_json(live: LiveExchange, account: AccountState, version: int) -> dict[str, Any]:
    """``/fapi/v2/account`` or ``/fapi/v3/account``."""
    figures = account_figures.account_figures(live.venue, account)
    body: dict[str, Any] = _totals(figures.assets) | {
        "assets": [_asset_row(f, live) for f in figures.assets],
        "positions": [
            {k: v for k, v in row.items() if k in ACCOUNT_POSITION_FIELDS}
            | {"unrealizedProfit": row["unRealizedProfit"]}
            for row in position_rows(live, account, 3)
        ],
    }
    if version == 2:
        body |= {
            "feeTier": 0,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "feeBurn": False,
            "multiAssetsMargin": False,
            "tradeGroupId": -1,
            "updateTime": live.last_ms or 1,
        }
    return body
