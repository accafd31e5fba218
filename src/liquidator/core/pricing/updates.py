"""Index, mark and last prices, their samples, and funding settlement as time passes.

The mark price is either fed (``SetMarkPrice``) or computed Binance's way (``mark_price``):
``median(index * (1 + rate * time to funding / interval), index + MA(basis), last price)``.
Every ``sample_interval`` the basis ``mid - index`` and the premium index from the book's impact
bid and ask are sampled; each premium sample is published (``PremiumSampled``: the premium
index klines are built from these; not on a journal written before they were, so that it
replays as written: ``VenueConfig.publish_premium_samples``). At each funding time every
open position pays ``funding_payment_raw(qty, mark, rate)``, in the coin
``inverse_funding_payment_raw(qty, CS, mark, rate)`` for an inverse contract (payments rounded
up, receipts down; the dust stays in ``@funding``), from its cross wallet or its isolated wallet.
"""

from __future__ import annotations

from typing import Final

from liquidator.core.exchange import conditional_orders, maker_account
from liquidator.core.exchange.events import Event, FundingSettled, PremiumSampled, PricesUpdated
from liquidator.core.exchange.ledger import FUNDING, EntryKind
from liquidator.core.exchange.settlement import position_event
from liquidator.core.exchange.venue import PriceSource, SymbolState, Venue
from liquidator.core.margin.position import PositionSide
from liquidator.core.pricing.funding import (
    funding_payment_raw,
    funding_rate_raw,
    impact_notional_raw,
    impact_price_raw,
    inverse_funding_payment_raw,
    inverse_levels,
    next_funding_time_ms,
    premium_index_raw,
)
from liquidator.core.pricing.mark_price import basis_raw, mark_price_raw
from liquidator.core.risk import insurance_fund, sweep
from liquidator.core.risk.adl_quantiles import update_quantiles

MAX_PRICE_ROUNDS: Final = 64  # a trigger cascade settles long before this


def funding_rate(venue: Venue, state: SymbolState) -> int:
    """Return the rate the next settlement will use (feed, or the premium average's)."""
    if venue.config.funding_source is PriceSource.FEED and state.feed_funding_rate is not None:
        return state.feed_funding_rate
    return funding_rate_raw(state.premium.mean_raw() or 0, venue.config.funding)


def computed_mark(venue: Venue, state: SymbolState) -> int:
    """Return Binance's mark price now; the last price (or the old mark) without an index."""
    if state.index_price == 0:
        return state.last_price or state.mark_price
    interval = venue.config.funding.interval_ms
    until = max(0, state.next_funding_ms - venue.now_ms) if state.next_funding_ms else interval
    return mark_price_raw(
        index_raw=state.index_price,
        funding_rate_raw=funding_rate(venue, state),
        ms_until_funding=min(until, interval),
        interval_ms=interval,
        basis_mean_raw=state.basis.mean_raw(),
        last_price_raw=state.last_price or None,
    )


def settle_prices(
    venue: Venue, state: SymbolState, out: list[Event], *, mark_before: int, last_before: int
) -> None:
    """After a price input: recompute the mark, publish, re-quote and fire triggers until calm."""
    for _ in range(MAX_PRICE_ROUNDS):
        if venue.config.mark_source is PriceSource.COMPUTED:
            state.mark_price = computed_mark(venue, state)
        mark_moved = state.mark_price != mark_before
        if not mark_moved and state.last_price == last_before:
            return
        out.append(prices_event(venue, state))
        if mark_moved:
            maker_account.requote(venue, state, out)
        mark_before, last_before = state.mark_price, state.last_price
        fired = conditional_orders.run(venue, state, out)  # stop-losses go before liquidations
        sweep.sweep(venue, out)
        if not fired and state.last_price == last_before:
            return


def prices_event(venue: Venue, state: SymbolState) -> PricesUpdated:
    return PricesUpdated(
        state.instrument.symbol,
        state.index_price,
        state.mark_price,
        state.last_price,
        funding_rate(venue, state),
        state.next_funding_ms,
        venue.now_ms,
    )


def advance(venue: Venue, now_ms: int, out: list[Event]) -> None:
    """Move the clock to ``now_ms``: take due samples and settle due funding, per symbol."""
    if now_ms <= venue.now_ms and venue.now_ms:
        return
    venue.now_ms = now_ms
    if now_ms < venue.next_due_ms:
        return  # no funding time, sample tick or ADL recompute before then
    interval = venue.config.funding.interval_ms
    for state in venue.symbols.values():
        if state.next_funding_ms == 0:
            state.next_funding_ms = next_funding_time_ms(now_ms, interval)
        while now_ms >= state.next_funding_ms:
            settle_funding(venue, state, state.next_funding_ms, out)
            state.next_funding_ms += interval
        if now_ms - state.last_sample_ms >= venue.config.funding.sample_interval_ms:
            _sample(venue, state, now_ms, out)
            settle_prices(
                venue, state, out, mark_before=state.mark_price, last_before=state.last_price
            )
            last = state.last_price
            insurance_fund.unwind(venue, state, out)
            if state.last_price != last:
                settle_prices(venue, state, out, mark_before=state.mark_price, last_before=last)
    interval = venue.config.adl_interval_ms
    if interval and now_ms >= venue.next_adl_ms:
        update_quantiles(venue, out)
        venue.next_adl_ms = now_ms - now_ms % interval + interval
    venue.next_due_ms = _next_due(venue)


def _next_due(venue: Venue) -> int:
    """Return the first time anything falls due on the clock: funding, a sample, ADL quantiles."""
    step = venue.config.funding.sample_interval_ms
    due = venue.next_adl_ms if venue.config.adl_interval_ms else 2**63
    for state in venue.symbols.values():
        due = min(due, state.next_funding_ms, state.last_sample_ms + step)
    return due


def _sample(venue: Venue, state: SymbolState, now_ms: int, out: list[Event]) -> None:
    """Take the basis and premium samples due at ``now_ms``; publish the premium one."""
    step = venue.config.funding.sample_interval_ms
    state.last_sample_ms = now_ms - now_ms % step
    bid, ask, index = state.book.best_bid(), state.book.best_ask(), state.index_price
    if bid is None or ask is None or index == 0:
        return
    state.basis.add(basis_raw(bid, ask, index))
    notional = impact_notional_raw(venue.config.funding.impact_margin_raw, state.table.max_leverage)
    # lazily: a deep book is read only as far as the impact notional reaches
    bids, asks = state.book.bids.levels_best_first(), state.book.asks.levels_best_first()
    if state.instrument.is_inverse:  # contracts: USD notional over coin quantities
        size = state.instrument.contract_size
        bids, asks = inverse_levels(bids, size), inverse_levels(asks, size)
    impact_bid = impact_price_raw(bids, notional)
    impact_ask = impact_price_raw(asks, notional)
    if impact_bid is not None and impact_ask is not None:
        premium = premium_index_raw(impact_bid, impact_ask, index)
        state.premium.add(premium)
        if venue.config.publish_premium_samples:
            out.append(PremiumSampled(state.instrument.symbol, premium, now_ms))


def _payment(state: SymbolState, quantity: int, mark: int, rate: int) -> int:
    """Return what a position of ``quantity`` pays (signed): quote for linear, coin for inverse."""
    instrument = state.instrument
    if instrument.is_inverse:
        return inverse_funding_payment_raw(quantity, instrument.contract_size, mark, rate)
    return funding_payment_raw(quantity, mark, rate)


def holder_order(item: tuple[tuple[str, PositionSide], int]) -> tuple[str, str]:
    """Order holders by account, then position side (deterministic; the enum is not orderable)."""
    (name, side), _ = item
    return name, side.value


def settle_funding(venue: Venue, state: SymbolState, funding_ms: int, out: list[Event]) -> None:
    """Pay funding between every open position of the symbol at ``funding_ms``."""
    rate, mark = funding_rate(venue, state), state.mark_price
    symbol, asset = state.instrument.symbol, state.instrument.margin_asset
    ledger, now = venue.ledger, venue.now_ms
    paid = 0
    for (name, side), quantity in sorted(state.holders.items(), key=holder_order):
        account = venue.accounts[name]
        position = account.find_position(symbol, side)
        if position is None:  # a holder without its position: the state is broken, stop
            raise RuntimeError(f"{name} holds {symbol} {side.value} but has no such position")
        isolated = account.is_isolated(symbol)
        wallet = position.ledger_key if isolated else name
        payment = _payment(state, quantity, mark, rate)
        if payment:
            source, target = (wallet, FUNDING) if payment > 0 else (FUNDING, wallet)
            out.append(
                ledger.transfer(
                    EntryKind.FUNDING_FEE,
                    asset,
                    source,
                    target,
                    abs(payment),
                    account=name,
                    symbol=symbol,
                    ref=funding_ms,
                    ts_ms=now,
                )
            )
            paid += 1
            if isolated:
                out.append(position_event(venue, account, position))
    out.append(FundingSettled(symbol, rate, mark, funding_ms, paid, now))
    state.premium.reset()
