"""The codec's hand-written encoders of the hot commands write what the generic one writes.

``encode`` takes ``PlaceOrder`` and ``CancelOrder`` through field-by-field encoders; for every
such command, with any field set or left at its default, the dict is the generic encoder's: the
same keys in the same order and the same values, so a journal's bytes do not depend on the path.
``command_text`` writes their JSON text directly: byte for byte the generic dict's compact JSON,
whatever their strings hold.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from liquidator.core.exchange.codec import decode_command, encode, encode_generic
from liquidator.core.exchange.command_text import command_text
from liquidator.core.exchange.commands import CancelOrder, OpenAccount, PlaceOrder
from liquidator.core.exchange.orders import (
    OrderType,
    SelfTradePrevention,
    Side,
    TimeInForce,
    WorkingType,
)
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Price, Qty, Rate

RAWS = st.integers(-(10**27), 10**27) | st.integers(0, 10**12)
TEXTS = st.text(max_size=12)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def place_orders(draw: st.DrawFn) -> PlaceOrder:
    """Any ``PlaceOrder``: every optional field either left out or drawn."""
    return PlaceOrder(
        draw(TEXTS),
        draw(TEXTS),
        draw(st.sampled_from(Side)),
        draw(st.sampled_from(OrderType)),
        quantity=draw(optional(RAWS.map(Qty))),
        price=draw(optional(RAWS.map(Price))),
        time_in_force=draw(optional(st.sampled_from(TimeInForce))),
        stop_price=draw(optional(RAWS.map(Price))),
        reduce_only=draw(st.booleans()),
        close_position=draw(st.booleans()),
        position_side=draw(st.sampled_from(PositionSide)),
        client_order_id=draw(optional(TEXTS)),
        working_type=draw(st.sampled_from(WorkingType)),
        activation_price=draw(optional(RAWS.map(Price))),
        callback_rate=draw(optional(RAWS.map(Rate))),
        self_trade_prevention=draw(st.sampled_from(SelfTradePrevention)),
        price_protect=draw(st.booleans()),
    )


CANCELS = st.builds(
    CancelOrder,
    TEXTS,
    TEXTS,
    optional(st.integers(-(2**70), 2**70)),
    optional(TEXTS),
)


def same_dict(fast: dict[str, Any], generic: dict[str, Any]) -> bool:
    """Equal keys in equal order, equal values of equal types."""
    return list(fast.items()) == list(generic.items()) and [type(v) for v in fast.values()] == [
        type(v) for v in generic.values()
    ]


@given(place_orders())
def test_a_place_order_encodes_as_the_generic_encoder_writes_it(command: PlaceOrder) -> None:
    fast = encode(command)

    assert same_dict(fast, encode_generic(command))
    assert decode_command(fast) == command


@given(CANCELS)
def test_a_cancel_order_encodes_as_the_generic_encoder_writes_it(command: CancelOrder) -> None:
    fast = encode(command)

    assert same_dict(fast, encode_generic(command))
    assert decode_command(fast) == command


def test_an_order_at_its_defaults_writes_only_what_it_must() -> None:
    command = PlaceOrder("alice", "BTCUSDT", Side.BUY, OrderType.MARKET)

    assert encode(command) == {
        "type": "PlaceOrder",
        "account": "alice",
        "symbol": "BTCUSDT",
        "side": "BUY",
        "order_type": "MARKET",
    }


JSON_TEXTS = st.text(max_size=12) | st.text(st.characters(max_codepoint=0x7F), max_size=12)


@st.composite
def orders_with_any_strings(draw: st.DrawFn) -> PlaceOrder:
    """Any ``PlaceOrder`` whose strings may hold quotes, backslashes, controls or non-ASCII."""
    order = draw(place_orders())
    return PlaceOrder(
        draw(JSON_TEXTS),
        draw(JSON_TEXTS),
        order.side,
        order.order_type,
        order.quantity,
        order.price,
        order.time_in_force,
        order.stop_price,
        order.reduce_only,
        order.close_position,
        order.position_side,
        draw(optional(JSON_TEXTS)),
        order.working_type,
        order.activation_price,
        order.callback_rate,
        order.self_trade_prevention,
        order.price_protect,
    )


def compact_text(command: object) -> str:
    """What the journal wrote before ``command_text``: the generic dict as compact JSON."""
    return json.dumps(encode_generic(command), separators=(",", ":"))


@given(orders_with_any_strings())
def test_a_place_order_text_is_the_generic_encoders_byte_for_byte(command: PlaceOrder) -> None:
    assert command_text(command) == compact_text(command)


@given(
    st.builds(
        CancelOrder,
        JSON_TEXTS,
        JSON_TEXTS,
        optional(st.integers(-(2**70), 2**70)),
        optional(JSON_TEXTS),
    )
)
def test_a_cancel_order_text_is_the_generic_encoders_byte_for_byte(command: CancelOrder) -> None:
    assert command_text(command) == compact_text(command)


def test_strings_json_escapes_are_escaped_as_json_escapes_them() -> None:
    for account in ('al"ice', "al\\ice", "al\nice", "al\x7fice", "alïce", "al\ud800ice"):
        order = PlaceOrder(account, "BTCUSDT", Side.BUY, OrderType.MARKET, client_order_id=account)
        assert command_text(order) == compact_text(order)
        assert command_text(CancelOrder(account, "BTCUSDT", 7)) == compact_text(
            CancelOrder(account, "BTCUSDT", 7)
        )


def test_other_commands_have_no_direct_text() -> None:
    assert command_text(OpenAccount("alice")) is None
