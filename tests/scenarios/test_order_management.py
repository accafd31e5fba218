"""Client order ids, cancel by id or client id, cancel-all, unknown orders.

BTCUSDT, index 60000, 20x leverage by default: a resting buy of 0.010 at 60000 holds
600 / 20 = 30 USDT of the available balance until it fills or is canceled.
"""

from __future__ import annotations

import pytest

from liquidator.core.exchange.commands import CancelOrder, PlaceOrder
from liquidator.core.exchange.events import RejectReason
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.money.fixed import Price, Qty
from tests.scenarios.venue import BTC, closed, exchange, order, order_id, raw


def test_duplicate_client_order_id_among_open_orders_is_rejected() -> None:
    venue = exchange("trader")
    venue.limit("trader", Side.BUY, "0.010", "59000", client_id="alpha")

    venue.reject(
        order("trader", Side.BUY, OrderType.LIMIT, "0.010", "58000", client_id="alpha"),
        RejectReason.DUPLICATE_CLIENT_ORDER_ID,
    )


def test_client_order_id_of_a_canceled_order_may_be_used_again() -> None:
    venue = exchange("trader")
    first = order_id(venue.limit("trader", Side.BUY, "0.010", "59000", client_id="alpha"))
    venue.cancel("trader", first)

    again = venue.limit("trader", Side.BUY, "0.010", "58000", client_id="alpha")

    resting = venue.order("trader", order_id(again))
    assert resting is not None
    assert resting.client_order_id == "alpha"


def test_another_account_may_use_the_same_client_order_id() -> None:
    venue = exchange("one", "two")
    venue.limit("one", Side.BUY, "0.010", "59000", client_id="alpha")

    venue.limit("two", Side.BUY, "0.010", "59000", client_id="alpha")


@pytest.mark.parametrize(
    "client_id",
    [
        "",
        "has space",
        "x" * 37,  # at most 36 characters
        "semi;colon",
        "autoclose-1",  # Binance's liquidation orders
        "adl_autoclose",  # Binance's ADL orders
    ],
)
def test_malformed_or_reserved_client_order_id_is_rejected(client_id: str) -> None:
    venue = exchange("trader")

    venue.reject(
        order("trader", Side.BUY, OrderType.LIMIT, "0.010", "59000", client_id=client_id),
        RejectReason.INVALID_CLIENT_ORDER_ID,
    )


def test_client_order_id_may_use_binances_whole_alphabet() -> None:
    venue = exchange("trader")

    placed = venue.limit("trader", Side.BUY, "0.010", "59000", client_id="A.b:c/d_e-" + "9" * 26)

    assert venue.order("trader", order_id(placed)) is not None


def test_order_without_client_order_id_gets_one() -> None:
    venue = exchange("trader")

    placed = venue.limit("trader", Side.BUY, "0.010", "59000")

    resting = venue.order("trader", order_id(placed))
    assert resting is not None
    assert resting.client_order_id == f"liq-{resting.order_id}"


def test_generated_client_order_id_never_repeats_an_open_orders_id() -> None:
    venue = exchange("trader")
    chosen = order_id(venue.limit("trader", Side.BUY, "0.010", "59000", client_id=f"liq-{2}"))

    generated = order_id(venue.limit("trader", Side.BUY, "0.010", "58000"))

    assert generated == chosen + 1  # the id the chosen client id names
    first, second = venue.order("trader", chosen), venue.order("trader", generated)
    assert first is not None
    assert second is not None
    assert first.client_order_id != second.client_order_id


def test_cancel_by_client_order_id_takes_the_order_out_of_the_book() -> None:
    venue = exchange("trader")
    bid = order_id(venue.limit("trader", Side.BUY, "0.010", "59000", client_id="alpha"))

    canceled = venue.cancel("trader", client_id="alpha")

    assert canceled.accepted
    assert closed(canceled) == [(bid, "CANCELED", 0)]
    assert venue.book(Side.BUY) == []
    assert venue.open_order_ids("trader") == []


def test_cancel_by_order_id_releases_the_margin_the_order_held() -> None:
    venue = exchange("trader")
    bid = order_id(venue.limit("trader", Side.BUY, "0.010", "60000"))
    # held: 600 / 20 = 30 USDT
    assert venue.available("trader") == raw("9970")

    canceled = venue.cancel("trader", bid)

    assert closed(canceled) == [(bid, "CANCELED", 0)]
    assert venue.available("trader") == raw("10000")


def test_cancel_of_a_conditional_order_takes_it_off_the_trigger_list() -> None:
    venue = exchange("trader")
    stop = order_id(
        venue.accept(order("trader", Side.SELL, OrderType.STOP_MARKET, "0.010", stop="59000"))
    )

    canceled = venue.cancel("trader", stop)

    assert closed(canceled) == [(stop, "CANCELED", 0)]
    assert venue.engine.venue.symbols[BTC].triggers == {}
    assert venue.open_order_ids("trader") == []


def test_cancel_of_an_unknown_order_id_is_rejected() -> None:
    venue = exchange("trader")

    venue.reject(CancelOrder("trader", BTC, order_id=999), RejectReason.UNKNOWN_ORDER)


def test_cancel_of_an_unknown_client_order_id_is_rejected() -> None:
    venue = exchange("trader")
    venue.limit("trader", Side.BUY, "0.010", "59000", client_id="alpha")

    venue.reject(CancelOrder("trader", BTC, client_order_id="beta"), RejectReason.UNKNOWN_ORDER)


def test_cancel_of_a_filled_order_is_rejected_as_unknown() -> None:
    venue = exchange("trader", "maker")
    venue.limit("maker", Side.SELL, "0.010", "60000")
    bid = order_id(venue.limit("trader", Side.BUY, "0.010", "60000"))

    venue.reject(CancelOrder("trader", BTC, order_id=bid), RejectReason.UNKNOWN_ORDER)


def test_cancel_of_another_accounts_order_is_rejected_as_unknown() -> None:
    venue = exchange("one", "two")
    bid = order_id(venue.limit("one", Side.BUY, "0.010", "59000"))

    venue.reject(CancelOrder("two", BTC, order_id=bid), RejectReason.UNKNOWN_ORDER)


def test_cancel_without_any_id_is_rejected() -> None:
    venue = exchange("trader")
    venue.limit("trader", Side.BUY, "0.010", "59000")

    venue.reject(CancelOrder("trader", BTC), RejectReason.MISSING_PARAMETER)


def test_cancel_all_cancels_resting_and_conditional_orders_oldest_first() -> None:
    venue = exchange("trader", "other")
    first = order_id(venue.limit("trader", Side.BUY, "0.010", "59000"))
    second = order_id(venue.limit("trader", Side.SELL, "0.010", "61000"))
    stop = order_id(
        venue.accept(order("trader", Side.SELL, OrderType.STOP_MARKET, "0.010", stop="58000"))
    )
    kept = order_id(venue.limit("other", Side.BUY, "0.010", "59000"))

    canceled = venue.cancel_all("trader")

    assert closed(canceled) == [
        (first, "CANCELED", 0),
        (second, "CANCELED", 0),
        (stop, "CANCELED", 0),
    ]
    assert venue.open_order_ids("trader") == []
    assert venue.open_order_ids("other") == [kept]
    assert venue.available("trader") == raw("10000")


def test_cancel_all_with_nothing_open_is_accepted_and_does_nothing() -> None:
    venue = exchange("trader")

    canceled = venue.cancel_all("trader")

    assert closed(canceled) == []


def test_limit_order_without_time_in_force_is_rejected() -> None:
    venue = exchange("trader")

    venue.reject(
        PlaceOrder("trader", BTC, Side.BUY, OrderType.LIMIT, Qty.of("0.010"), Price.of("59000")),
        RejectReason.MISSING_PARAMETER,
    )
