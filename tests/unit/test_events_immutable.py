"""Events are immutable: assigning or deleting a field of any event raises, compiled or not.

The hot events spell out their ``__init__`` (a native constructor when compiled); these tests
also check that each one stores every argument in its own field.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable

import pytest

from liquidator.core.exchange.events import (
    AutoDeleveraged,
    Event,
    MarginCallIssued,
    OrderAccepted,
    OrderAmended,
    OrderClosed,
    OrderTraded,
    OrderTriggered,
    PositionChanged,
    PositionModeChanged,
    PricesUpdated,
    TradeExecuted,
)
from liquidator.core.exchange.ledger import EntryKind, LedgerPosted
from liquidator.core.exchange.orders import ExpiryReason
from liquidator.core.margin.position import MarginType, PositionSide
from tests.builders import crash_session_events

# One example of each event a session made by hand-written ``__init__``, with distinct values.
HAND_BUILT: list[tuple[Callable[..., Event], tuple[object, ...]]] = [
    (OrderAccepted, ("alice", "BTCUSDT", 7, ("LIMIT", 1), 11)),
    (OrderTriggered, ("alice", "BTCUSDT", 7, 5, 11)),
    (
        OrderTraded,
        (
            "alice",
            "BTCUSDT",
            7,
            3,
            "BUY",
            PositionSide.LONG,
            5,
            6,
            1,
            "USDT",
            -2,
            True,
            8,
            30,
            99,
        ),
    ),
    (OrderClosed, ("alice", "BTCUSDT", 7, "EXPIRED", ExpiryReason.IOC_UNFILLED, 11)),
    (TradeExecuted, ("BTCUSDT", 3, 5, 6, True, 11, "ADL")),
    (
        PositionChanged,
        ("alice", "BTCUSDT", PositionSide.SHORT, -6, -30, 4, MarginType.ISOLATED, 11),
    ),
    (PricesUpdated, ("BTCUSDT", 4, 5, 6, -7, 8, 11)),
    (MarginCallIssued, ("alice", "alice/BTCUSDT/LONG", "USDT", 9, 10, 11)),
    (
        LedgerPosted,
        (12, EntryKind.COMMISSION, "USDT", (("alice", -1), ("@fees", 1)), "a", "S", 3, 11),
    ),
]

# The events a seeded session does not make.
RARE_BUILT: list[Event] = [
    PositionModeChanged("alice", True, 11),
    OrderAmended("alice", "BTCUSDT", 7, 5, ("LIMIT", 1), 11),
    AutoDeleveraged("bob", "BTCUSDT", PositionSide.BOTH, 8, "SELL", 6, 5, "alice", 11),
]


def one_of_each_type() -> dict[type, Event]:
    """Return the first event of each type a crash session makes, and the rare ones built here."""
    examples: dict[type, Event] = {}
    for event in [*crash_session_events(), *RARE_BUILT]:
        examples.setdefault(type(event), event)
    return examples


EXAMPLES = one_of_each_type()


def test_the_examples_cover_every_event_type() -> None:
    assert set(EXAMPLES) == set(typing.get_args(Event))


@pytest.mark.parametrize("event", list(EXAMPLES.values()), ids=lambda event: type(event).__name__)
def test_assigning_or_deleting_any_field_of_an_event_raises(event: Event) -> None:
    before = dataclasses.astuple(event)

    for field in dataclasses.fields(event):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(event, field.name, 0)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(event, field.name)

    assert dataclasses.astuple(event) == before


@pytest.mark.parametrize(
    ("cls", "args"), HAND_BUILT, ids=[str(getattr(cls, "__name__", cls)) for cls, _ in HAND_BUILT]
)
def test_a_hand_written_init_stores_each_argument_in_its_own_field(
    cls: Callable[..., Event], args: tuple[object, ...]
) -> None:
    event = cls(*args)

    assert [getattr(event, field.name) for field in dataclasses.fields(event)] == list(args)
    assert event == cls(*args)
    assert hash(event) == hash(cls(*args))
