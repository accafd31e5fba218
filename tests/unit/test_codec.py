"""The journal codec: event rows, their native ``row()``, and decoding rows and older dicts."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from liquidator.core.exchange import codec
from liquidator.core.exchange import commands as commands_module
from liquidator.core.exchange.codec import (
    CodecError,
    decode_command,
    decode_event,
    encode,
    encode_event,
    record_type,
)
from liquidator.core.exchange.commands import OPTIONAL_FIELD_TYPES, CancelOrder, PlaceOrder
from liquidator.core.exchange.events import Event, OrderTraded, PositionChanged
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.money.fixed import Price, Qty
from tests.builders import crash_session_events


def generic_row(event: object) -> list[Any]:
    """The row the codec builds from the declared fields, for any event."""
    row: list[Any] = [type(event).__name__]
    for name in codec._field_names(type(event)):
        row.append(codec._value(getattr(event, name)))
    return row


@pytest.fixture(scope="module")
def session_events() -> list[Event]:
    """Every event of a seeded session with trading, funding and a crash that liquidates."""
    return crash_session_events()


def test_a_session_makes_every_hot_event_type(session_events: list[Event]) -> None:
    made = {type(event) for event in session_events}

    assert made >= codec._ROWS


def test_native_rows_equal_the_rows_built_from_the_declared_fields(
    session_events: list[Event],
) -> None:
    for event in session_events:
        assert json.loads(json.dumps(encode_event(event))) == json.loads(
            json.dumps(generic_row(event))
        )


def test_the_hot_events_and_only_they_build_their_own_row(session_events: list[Event]) -> None:
    for event in session_events:
        native = codec._native_row(event)

        assert (native is not None) == (type(event) in codec._ROWS)
        assert native is None or native == event.row()  # type: ignore[union-attr]


def test_every_event_reads_back_equal_from_its_json_row(session_events: list[Event]) -> None:
    for event in session_events:
        row = json.loads(json.dumps(encode_event(event)))

        assert record_type(row) == type(event).__name__
        assert decode_event(row) == event


def test_an_older_journal_dict_still_decodes() -> None:
    item = {
        "type": "PositionChanged",
        "account": "alice",
        "symbol": "BTCUSDT",
        "position_side": "BOTH",
        "quantity": 100000000,
        "cost": 3000000000000000000000,
        "isolated_wallet": 0,
        "margin_type": "cross",
        "ts_ms": 1700000000000,
    }

    event = decode_event(item)

    assert event == PositionChanged(
        "alice",
        "BTCUSDT",
        PositionSide.BOTH,
        100000000,
        3000000000000000000000,
        0,
        MarginType.CROSS,
        1700000000000,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["NoSuchEvent", 1], "unknown record type 'NoSuchEvent'"),
        (["OrderClosed", "alice"], "OrderClosed has 6 fields, the row 1"),
        ([], "unknown record type None"),
        (["OrderClosed", "a", "BTCUSDT", "x", "CANCELED", 0, 1], "OrderClosed.order_id"),
    ],
)
def test_a_bad_row_is_refused_with_a_codec_error(row: list[Any], message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_event(row)


def test_record_type_reads_rows_and_dicts_and_nothing_else() -> None:
    assert record_type(["Rejected", "UNKNOWN_ORDER", "Unknown order sent."]) == "Rejected"
    assert record_type({"type": "LedgerPosted"}) == "LedgerPosted"
    assert record_type([3]) is None
    assert record_type("OrderTraded") is None


def test_traded_row_is_the_type_then_the_fields_in_order() -> None:
    traded = OrderTraded(
        "alice", "BTCUSDT", 7, 3, "BUY", PositionSide.BOTH, 5, 6, 1, "USDT", -2, True, 6, 30, 99
    )

    assert encode_event(traded) == [
        "OrderTraded",
        "alice",
        "BTCUSDT",
        7,
        3,
        "BUY",
        "BOTH",
        5,
        6,
        1,
        "USDT",
        -2,
        True,
        6,
        30,
        99,
    ]


def test_a_command_leaves_out_its_defaults_and_reads_back_equal() -> None:
    order = PlaceOrder(
        "alice", "BTCUSDT", Side.BUY, OrderType.LIMIT, Qty.of("0.004"), Price.of("30000.1")
    )

    encoded = json.loads(json.dumps(encode(order)))

    assert encoded == {
        "type": "PlaceOrder",
        "account": "alice",
        "symbol": "BTCUSDT",
        "side": "BUY",
        "order_type": "LIMIT",
        "quantity": "0.004",
        "price": "30000.1",
    }
    assert decode_command(encoded) == order


def test_a_command_written_with_every_field_still_decodes() -> None:
    full = {
        "type": "CancelOrder",
        "account": "alice",
        "symbol": "BTCUSDT",
        "order_id": 12,
        "client_order_id": None,
    }

    assert decode_command(full) == CancelOrder("alice", "BTCUSDT", 12)


def test_a_command_without_a_required_field_is_refused() -> None:
    with pytest.raises(CodecError, match="CancelOrder lacks symbol"):
        decode_command({"type": "CancelOrder", "account": "alice"})


def test_declared_types_are_read_the_same_compiled_or_not() -> None:
    hints = codec._hints(PlaceOrder)

    assert hints["quantity"] == Qty | None
    assert hints["side"] is Side
    assert hints["reduce_only"] is bool
    assert codec._hints(CancelOrder)["order_id"] == int | None


def test_the_optional_field_table_matches_every_commands_declarations() -> None:
    """Read the declarations from the source: a compiled class no longer carries them."""
    source = Path(commands_module.__file__ or "").with_name("commands.py").read_text()
    declared: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    text = ast.unparse(statement.annotation)
                    if text.endswith(" | None"):
                        declared[statement.target.id] = text.removesuffix(" | None")

    assert {name: kind.__name__ for name, kind in OPTIONAL_FIELD_TYPES.items()} == declared
