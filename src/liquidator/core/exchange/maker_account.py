"""The built-in market maker: a venue-owned account that re-quotes its ladder on each mark move.

The ladder is centred on the index price (the mark before any index is known): on a real venue
arbitrage takes any bid above the index in a fall and any ask below it in a rise, so a forced
order at the bankruptcy price fills in the book where the fall left it, not at prices the market
has left. The mark, a median that lags the index by its basis average and the last trade, moves
the ladder's size (the volatility that thins it) and when it moves the ladder is re-quoted.

It holds capital deposited at start (a deposit like any other, so funds stay conserved), is
exempt from margin checks, and never takes liquidity: a level that would cross the book is
skipped. Turn it off (``VenueConfig.market_maker = None``) for tests and replayed books.
"""

from __future__ import annotations

from dataclasses import replace

from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.events import Event, OrderAccepted
from liquidator.core.exchange.ledger import EXTERNAL, EntryKind
from liquidator.core.exchange.maker_quotes import quotes
from liquidator.core.exchange.order_entry import cancel_all_of, rest
from liquidator.core.exchange.orders import ExpiryReason, Order, OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import MARKET_MAKER, SymbolState, Venue
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.scaled import SCALE


def open_market_maker(venue: Venue, out: list[Event]) -> None:
    """Create the market maker's account and fund it in every margin asset."""
    if venue.config.market_maker is None or MARKET_MAKER in venue.accounts:
        return
    venue.accounts[MARKET_MAKER] = AccountState(MARKET_MAKER, is_system=True)
    assets = sorted({state.instrument.margin_asset for state in venue.symbols.values()})
    for asset in assets:
        out.append(
            venue.ledger.transfer(
                EntryKind.DEPOSIT,
                asset,
                EXTERNAL,
                MARKET_MAKER,
                venue.config.market_maker_capital,
                account=MARKET_MAKER,
                ts_ms=venue.now_ms,
            )
        )


def reference_price(state: SymbolState) -> int:
    """The price the ladder is centred on: the index, or the mark before any index (raw)."""
    return state.index_price if state.index_price > 0 else state.mark_price


def _still_fresh(account: AccountState, state: SymbolState, levels: int, requote_bps: int) -> bool:
    """Tell whether the ladder is whole and centred within ``requote_bps`` of its reference."""
    orders = account.symbols.get(state.instrument.symbol)
    if orders is None:
        return False
    bids = [o.price for o in orders.orders.values() if o.side is Side.BUY]
    asks = [o.price for o in orders.orders.values() if o.side is Side.SELL]
    if len(bids) < levels or len(asks) < levels:
        return False
    middle = (max(bids) + min(asks)) // 2
    centre = reference_price(state)
    return abs(centre - middle) * 10_000 < requote_bps * centre


def _contracts(state: SymbolState, coin_raw: int) -> int:
    """Return ``coin_raw`` (raw coin) at the mark as raw contracts: ``coin x mark / CS``, down
    to the step, at least one step."""
    instrument = state.instrument
    step = instrument.step_size.raw
    contracts = coin_raw * state.mark_price // (instrument.contract_size * SCALE)
    return max(step, contracts - contracts % step)


def requote(venue: Venue, state: SymbolState, out: list[Event]) -> None:
    """Replace the market maker's ladder in ``state``'s symbol around its reference price."""
    config = venue.config.market_maker
    account = venue.accounts.get(MARKET_MAKER)
    if config is None or account is None or state.mark_price <= 0:
        return
    state.volatility.update(state.mark_price)
    instrument = state.instrument
    if config.requote_bps and _still_fresh(account, state, config.levels, config.requote_bps):
        return
    cancel_all_of(venue, account, instrument.symbol, ExpiryReason.NONE, out)
    if instrument.is_inverse:  # the same depth in coin, as whole contracts
        config = replace(config, quantity_raw=_contracts(state, config.quantity_raw))
    ladder = quotes(
        mark_raw=reference_price(state),
        tick_raw=instrument.tick_size.raw,
        step_raw=instrument.step_size.raw,
        min_qty_raw=instrument.min_qty.raw,
        config=config,
        volatility_bps=state.volatility.bps,
    )
    for quote in ladder:
        side = Side(quote.side)
        if state.book.crosses(side, quote.price_raw):
            continue
        order_id = venue.next_order_id()
        order = Order(
            order_id=order_id,
            account=MARKET_MAKER,
            symbol=instrument.symbol,
            client_order_id=f"mm-{order_id}",
            side=side,
            position_side=PositionSide.BOTH,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTX,
            quantity=quote.quantity_raw,
            price=quote.price_raw,
            created_ms=venue.now_ms,
        )
        out.append(
            OrderAccepted(MARKET_MAKER, instrument.symbol, order_id, order.fields(), venue.now_ms)
        )
        rest(state, account, order)
