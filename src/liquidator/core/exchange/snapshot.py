"""Rebuild a venue from its state (``Venue.to_state``): the inverse of a snapshot.

Derived structures (each account's open-order exposure, the per-symbol position holders) are
recomputed, not stored, so they can never disagree with the orders and positions they index.
"""

from __future__ import annotations

from typing import Any

from liquidator.core.contracts.market import Market
from liquidator.core.exchange.account_state import AccountState, PositionState
from liquidator.core.exchange.ledger import Ledger
from liquidator.core.exchange.maker_quotes import VolatilityEstimate
from liquidator.core.exchange.orders import Order
from liquidator.core.exchange.venue import SymbolState, Venue, VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.pricing.funding import PremiumAverage
from liquidator.core.pricing.mark_price import BasisAverage


def restore_venue(market: Market, config: VenueConfig, state: dict[str, Any]) -> Venue:
    """Return a venue equal to the one ``state`` was taken from."""
    venue = Venue(market, config)
    venue.now_ms = int(state["now_ms"])
    venue.order_id = int(state["order_id"])
    venue.ledger = Ledger.from_state(state["ledger"])
    for row in state["accounts"]:
        account = _account(row)
        venue.accounts[account.account] = account
    for symbol, row in state["symbols"].items():
        if symbol not in venue.symbols:
            raise ValueError(f"the snapshot has symbol {symbol}, which this market lacks")
        _symbol(venue, venue.symbols[symbol], row)
    venue.margin_called = {(str(w), str(a)) for w, a in state["margin_called"]}
    venue.next_adl_ms = int(state["next_adl_ms"])
    for account in venue.accounts.values():
        for position in account.held_positions():
            symbol = position.symbol
            venue.symbols[symbol].holders[(account.account, position.side)] = position.quantity
            key = (
                position.ledger_key
                if account.margin_type_of(symbol) is MarginType.ISOLATED
                else account.account
            )
            venue.risk.dirty.add((key, venue.assets[symbol]))
    return venue


def _account(row: dict[str, Any]) -> AccountState:
    account = AccountState(str(row["account"]), is_system=bool(row["is_system"]))
    account.hedge = bool(row["hedge"])
    for symbol, leverage in row["leverage"]:
        account.symbol(str(symbol)).leverage = int(leverage)
    for symbol, margin_type in row["margin_type"]:
        account.symbol(str(symbol)).margin_type = MarginType(margin_type)
    for symbol, side, quantity, cost in row["positions"]:
        position = PositionState(account.account, str(symbol), PositionSide(side))
        position.quantity, position.cost = int(quantity), int(cost)
        account.hold(position)
    return account


def _symbol(venue: Venue, state: SymbolState, row: dict[str, Any]) -> None:
    state.index_price, state.mark_price = int(row["index"]), int(row["mark"])
    state.last_price, state.trade_id = int(row["last"]), int(row["trade_id"])
    state.next_funding_ms = int(row["next_funding_ms"])
    state.last_sample_ms = int(row["last_sample_ms"])
    rate = row["feed_funding_rate"]
    state.feed_funding_rate = None if rate is None else int(rate)
    state.basis = BasisAverage.from_state(venue.config.mark.basis_window, list(row["basis"]))
    state.premium = PremiumAverage.from_state(list(row["premium"]))
    state.volatility = VolatilityEstimate.from_state(
        state.volatility.half_life, list(row["volatility"])
    )
    for key in ("bids", "asks"):
        for fields in row[key]:
            order = Order.from_state(list(fields))
            state.book.side_of(order.side).add(order)
            orders = venue.accounts[order.account].symbol(order.symbol)
            orders.put(order)
            if order.is_opening:
                committed = state.tiers.order_value16(order.remaining, order.price)
                orders.add_exposure(order, order.remaining, committed)
            else:
                orders.closing += 1
    state.adl_quantiles = {(str(a), str(s)): int(q) for a, s, q in row["adl"]}
    for fields in row["triggers"]:
        order = Order.from_state(list(fields))
        state.triggers[order.order_id] = order
        state.trigger_index.add(order)
        orders = venue.accounts[order.account].symbol(order.symbol)
        orders.put(order)
        orders.algo += 1
