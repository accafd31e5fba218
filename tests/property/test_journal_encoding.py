"""The journal's bytes do not depend on how they are made.

A record's texts are exactly ``json.dumps(value, separators=(",", ":"))`` of its command and
events, whether orjson is installed or not (``compact_record``), for every journal value and for
the events of random trading sessions; its chain value is the one docs/reliability.md defines,
whether computed one record at a time (``chain_link``) or a batch at a time (``chained_rows``).
"""

from __future__ import annotations

import json
import struct
from hashlib import sha256
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liquidator.app.exchange import journal_record, outcome_record
from liquidator.app.journal import (
    GENESIS_CHAIN,
    JournalError,
    JournalRecord,
    chain_link,
    chained_rows,
)
from liquidator.app.json_text import compact_record
from liquidator.bootstrap import bundled_market
from liquidator.core.engine import Engine
from liquidator.core.exchange.codec import encode
from liquidator.core.exchange.commands import (
    CancelOrder,
    Command,
    Deposit,
    OpenAccount,
    PlaceOrder,
    SetIndexPrice,
)
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty

T0_MS = 1_700_000_000_000


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# Integers around every boundary an encoder may have: 32 and 64 bits, signed and unsigned.
BOUNDARIES = [sign * 2**bits for bits in (31, 32, 53, 63, 64) for sign in (1, -1)]
INTEGERS = (
    st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.sampled_from(BOUNDARIES).flatmap(lambda n: st.integers(n - 2, n + 2))
)
# Any text: non-ASCII, lone surrogates, and ASCII alone (control characters, DEL, quotes and
# backslashes among printable characters: the texts orjson writes, and must escape as json does).
TEXTS = (
    st.text()
    | st.text(st.sampled_from("\x80\u2028\ud800é€😀"))
    | st.text(st.characters(max_codepoint=0x7F))
    | st.text(st.sampled_from('\x00\x08\x1f\x7f"\\/\n\r\t\x0c a'))
)
SCALARS = st.none() | st.booleans() | INTEGERS | TEXTS
KEYS = TEXTS | INTEGERS | st.booleans() | st.none()  # json writes every one of these as a string
JOURNAL_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.lists(inner, max_size=6).map(tuple)
        | st.dictionaries(KEYS, inner, max_size=6)
    ),
    max_leaves=40,
)


@given(JOURNAL_VALUES)
def test_compact_record_writes_what_json_dumps_writes_for_every_journal_value(value: Any) -> None:
    assert compact_record(value) == dumps(value)


@given(st.lists(st.lists(INTEGERS | TEXTS, max_size=16), max_size=8))
def test_compact_record_writes_what_json_dumps_writes_for_rows_of_an_outcome(rows: Any) -> None:
    assert compact_record(rows) == dumps(rows)


NAMES = ("alice", "bob", "José", "x" * 70)  # the last two: refused, their names in the message
SYMBOLS = {"BTCUSDT": 30_000 * SCALE, "ETHUSDT": 2_000 * SCALE}


@st.composite
def sessions(draw: st.DrawFn) -> list[Command]:
    """Accounts funded with small to absurd amounts, then orders, cancels and index moves."""
    commands: list[Command] = [SetIndexPrice(s, Price(mid)) for s, mid in SYMBOLS.items()]
    for name in NAMES:
        commands.append(OpenAccount(name))
        units = draw(st.integers(1, 10**6) | st.integers(10**12, 10**15))
        commands.append(Deposit(name, Amount(units * SCALE, "USDT")))
    for _ in range(draw(st.integers(1, 30))):
        commands.append(trading(draw))
    return commands


def trading(draw: st.DrawFn) -> Command:
    """A limit or market order (up to 10,000 BTC), a cancel or an index move."""
    name = draw(st.sampled_from(NAMES[:2]))
    symbol = draw(st.sampled_from(sorted(SYMBOLS)))
    side = draw(st.sampled_from(Side))
    ticks = draw(st.integers(-300, 300))
    price = Price(SYMBOLS[symbol] + ticks * SCALE // 10)
    steps = draw(st.integers(1, 50) | st.integers(10**4, 10**7))
    quantity = Qty(steps * SCALE // 1000)
    limit = PlaceOrder(name, symbol, side, OrderType.LIMIT, quantity, price, TimeInForce.GTC)
    market = PlaceOrder(name, symbol, side, OrderType.MARKET, quantity)
    cancel = CancelOrder(name, symbol, draw(st.integers(1, 40)))
    index = SetIndexPrice(symbol, price)
    choices: tuple[Command, ...] = (limit, limit, market, cancel, index)
    return draw(st.sampled_from(choices))


@settings(max_examples=60, deadline=None)
@given(sessions())
def test_a_journal_record_holds_the_json_of_its_command_and_of_its_events(
    commands: list[Command],
) -> None:
    engine = Engine(bundled_market(), VenueConfig(market_maker=None))
    for seq, command in enumerate(commands, start=1):
        outcome = engine.handle(command, T0_MS + seq)
        record = journal_record(seq, T0_MS + seq, command, outcome)
        assert record.command == dumps(encode(command))
        assert record.events == dumps(outcome_record(outcome))


UTF8 = st.text(st.characters(codec="utf-8"))  # a record's texts encode to UTF-8
RECORDS = st.lists(
    st.tuples(st.integers(0, 2**63 - 1), st.integers(-(2**63), 2**63 - 1), UTF8, UTF8),
    max_size=8,
)


@given(st.binary(min_size=32, max_size=32), RECORDS)
def test_a_batch_is_chained_as_its_records_are_one_by_one(
    previous: bytes, fields: list[tuple[int, int, str, str]]
) -> None:
    records = [JournalRecord(*item) for item in fields]
    expected, head = [], previous
    for record in records:
        head = chain_link(head, *record)
        expected.append((*record, head))
    rows, last = chained_rows(previous, records)
    assert [(*row[:4], bytes(row[4])) for row in rows] == expected
    assert last == head


def test_the_chain_is_the_one_the_reliability_document_defines() -> None:
    command, events = '{"type":"OpenAccount","account":"José"}', '[["AccountOpened","José"]]'
    first = JournalRecord(1, T0_MS, command, events)
    second = JournalRecord(2, T0_MS + 1, "{}", "[]")
    by_hand = GENESIS_CHAIN
    for record in (first, second):
        command_utf8, events_utf8 = record.command.encode(), record.events.encode()
        by_hand = sha256(
            by_hand
            + struct.pack(">q", record.seq)
            + struct.pack(">q", record.ts_ms)
            + struct.pack(">I", len(command_utf8))
            + struct.pack(">I", len(events_utf8))
            + command_utf8
            + events_utf8
        ).digest()
    rows, head = chained_rows(GENESIS_CHAIN, [first, second])
    assert head == by_hand == rows[1][4]
    assert head.hex() == "be12514cc683ab54b56c2f047c1c2f80396a5c34616039f398764c8db500acf2"


def test_a_record_whose_seq_does_not_fit_64_bits_cannot_be_chained() -> None:
    records = [JournalRecord(1, T0_MS, "{}", "[]"), JournalRecord(2**63, T0_MS, "{}", "[]")]
    with pytest.raises(JournalError, match=f"^record {2**63} cannot be chained"):
        chained_rows(GENESIS_CHAIN, records)
