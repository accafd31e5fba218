"""Binance's JSON shapes of an account: positionRisk rows, balances, account (v2 and v3).

Every number is a decimal string, as Binance sends them (``views.d``), positions' amounts and
marks with the symbol's precision (``precision``); times are epoch milliseconds.
"""

from __future__ import annotations

from typing import Any

from liquidator.api import precision
from liquidator.api.views import d
from liquidator.app.live_exchange import LiveExchange
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.venue import SymbolState, Venue
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.pretrade import Figures, figures, open_order_margin, position_margin
from liquidator.core.margin.unit import boundary_price, position_figures
from liquidator.core.money.fixed import SCALE
from liquidator.core.risk.venue_units import balance_without, unit, unit_key


def _cross_wallet(f: Figures, live: LiveExchange) -> dict[str, Any]:
    """The cross-wallet fields a balance row and an account asset row share."""
    return {
        "crossWalletBalance": d(f.wallet),
        "crossUnPnl": d(f.unrealized),
        "availableBalance": d(max(0, f.available)),
        "maxWithdrawAmount": d(f.max_withdraw),
        "marginAvailable": True,
        "updateTime": live.last_ms or 1,
    }


def liquidation_price(venue: Venue, account: AccountState, position: PositionState) -> int:
    """The mark at which the position's unit reaches 100% (others at their marks); 0: never."""
    target = unit(venue, unit_key(venue, account, position))
    if target is None:
        return 0
    others = [p for p in target.positions if p is not position]
    other_maintenance = sum(
        position_figures(p, venue.symbols[p.symbol].mark_price, venue.symbols[p.symbol].tiers)[1]
        for p in others
    )
    balance = balance_without(venue, target, position) - other_maintenance
    state = venue.symbols[position.symbol]
    return boundary_price(balance, position.quantity, position.cost, state.tiers)


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
    venue = live.venue
    mark = state.mark_price
    symbol = state.instrument.symbol
    isolated = account.margin_type_of(symbol) is MarginType.ISOLATED
    wallet = venue.ledger.balance(p.ledger_key, state.instrument.margin_asset) if isolated else 0
    unrealized, maintenance = position_figures(p, mark, state.tiers) if p.quantity else (0, 0)
    leverage = account.leverage_of(symbol)
    initial = position_margin(p, mark, leverage) if p.quantity else 0
    liquidation = liquidation_price(venue, account, p) if p.quantity else 0
    notional = p.quantity * mark // SCALE
    row: dict[str, Any] = {
        "symbol": symbol,
        "positionSide": p.side.value,
        "positionAmt": precision.quantity(symbol, p.quantity),
        "entryPrice": d(p.entry_price()),
        "breakEvenPrice": d(p.entry_price()),
        "markPrice": precision.mark(mark),
        "unRealizedProfit": d(unrealized),
        "liquidationPrice": d(liquidation),
        "isolatedMargin": d(wallet + unrealized) if isolated else "0",
        "notional": d(notional),
        "isolatedWallet": d(wallet),
        "updateTime": live.last_ms,
    }
    if version == 3:
        orders = account.symbols.get(symbol)
        order_margin = open_order_margin(account, orders) if orders else 0
        row |= {
            "marginAsset": state.instrument.margin_asset,
            "initialMargin": d(initial + order_margin),
            "maintMargin": d(maintenance),
            "positionInitialMargin": d(initial),
            "openOrderInitialMargin": d(order_margin),
            "adl": state.adl_quantiles.get((account.account, p.side.value), 0),
            "bidNotional": "0",
            "askNotional": "0",
        }
    else:
        cap = state.table.max_notional_at_leverage(leverage) or 0
        row |= {
            "marginType": "isolated" if isolated else "cross",
            "isAutoAddMargin": "false",
            "leverage": str(leverage),
            "maxNotionalValue": d(cap),
        }
    return row


def balances(live: LiveExchange, account: AccountState) -> list[dict[str, Any]]:
    venue = live.venue
    rows = []
    for asset in _assets(venue):
        f = figures(venue, account, asset)
        wallet = venue.ledger.balance(account.account, asset) + isolated_wallets(
            venue, account, asset
        )
        rows.append(
            {
                "accountAlias": account.account[:4],
                "asset": asset,
                "balance": d(wallet),
                **_cross_wallet(f, live),
            }
        )
    return rows


def _assets(venue: Venue) -> list[str]:
    return sorted({state.instrument.margin_asset for state in venue.symbols.values()})


def isolated_wallets(venue: Venue, account: AccountState, asset: str) -> int:
    return sum(
        venue.ledger.balance(p.ledger_key, asset)
        for p in account.held_positions()
        if venue.assets[p.symbol] == asset
        and account.margin_type_of(p.symbol) is MarginType.ISOLATED
    )


def account_json(live: LiveExchange, account: AccountState, version: int) -> dict[str, Any]:
    """``/fapi/v2/account`` or ``/fapi/v3/account``."""
    venue = live.venue
    assets = []
    totals = dict.fromkeys(
        ("wallet", "unrealized", "maintenance", "position", "orders", "cross", "cross_pnl"), 0
    )
    for asset in _assets(venue):
        f = figures(venue, account, asset)
        isolated = isolated_wallets(venue, account, asset)
        maintenance = position_im = 0
        unrealized = 0
        for p in account.open_positions():
            state = venue.symbols[p.symbol]
            if state.instrument.margin_asset != asset:
                continue
            pnl, mm = position_figures(p, state.mark_price, state.tiers)
            unrealized += pnl
            maintenance += mm
            position_im += position_margin(p, state.mark_price, account.leverage_of(p.symbol))
        wallet = f.wallet + isolated
        assets.append(
            {
                "asset": asset,
                "walletBalance": d(wallet),
                "unrealizedProfit": d(unrealized),
                "marginBalance": d(wallet + unrealized),
                "maintMargin": d(maintenance),
                "initialMargin": d(position_im + f.order_margin),
                "positionInitialMargin": d(position_im),
                "openOrderInitialMargin": d(f.order_margin),
                **_cross_wallet(f, live),
            }
        )
        for name, value in (
            ("wallet", wallet),
            ("unrealized", unrealized),
            ("maintenance", maintenance),
            ("position", position_im),
            ("orders", f.order_margin),
            ("cross", f.wallet),
            ("cross_pnl", f.unrealized),
        ):
            totals[name] += value
    available = max(0, sum(figures(venue, account, a).available for a in _assets(venue)))
    body: dict[str, Any] = {
        "totalInitialMargin": d(totals["position"] + totals["orders"]),
        "totalMaintMargin": d(totals["maintenance"]),
        "totalWalletBalance": d(totals["wallet"]),
        "totalUnrealizedProfit": d(totals["unrealized"]),
        "totalMarginBalance": d(totals["wallet"] + totals["unrealized"]),
        "totalPositionInitialMargin": d(totals["position"]),
        "totalOpenOrderInitialMargin": d(totals["orders"]),
        "totalCrossWalletBalance": d(totals["cross"]),
        "totalCrossUnPnl": d(totals["cross_pnl"]),
        "availableBalance": d(available),
        "maxWithdrawAmount": d(
            sum(figures(venue, account, a).max_withdraw for a in _assets(venue))
        ),
        "assets": assets,
        "positions": [
            {
                k: v
                for k, v in row.items()
                if k
                in (
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
            }
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
