"""JSON-ready encoding of commands and events, and decoding back to the dataclasses.

A command is a dict, ``{"type": "PlaceOrder", "account": "alice", "quantity": "0.5", ...}``:
fixed-point values as exact decimal strings, amounts as ``["12.5", "USDT"]``, enums by value.

An event is a row, ``["OrderTraded", "alice", "BTCUSDT", 12, ...]``: its type name, then its
fields in declaration order (raw ints, strings, enums by value, tuples as lists). Commands are
few and read by people; events are most of a journal's bytes and of its encoding time, so they
go without field names (the hot events build their row natively, ``row()``). Decoding reads each
field's declared type, so a journal written today reads back the same objects; event dicts (the
form journals had before rows) still decode.
"""

from __future__ import annotations

import types
import typing
from dataclasses import fields
from enum import Enum
from functools import cache
from typing import Any, Final

from liquidator.core.exchange import commands, events
from liquidator.core.exchange.commands import CancelOrder, PlaceOrder
from liquidator.core.exchange.events import (
    OrderAccepted,
    OrderClosed,
    OrderTraded,
    PositionChanged,
    PricesUpdated,
    TradeExecuted,
)
from liquidator.core.exchange.ledger import LedgerPosted
from liquidator.core.exchange.orders import SelfTradePrevention, WorkingType, value
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Amount, Fixed
from liquidator.core.money.scaled import trim_raw

_COMMANDS: Final[dict[str, type]] = {cls.__name__: cls for cls in commands.COMMAND_TYPES}
_EVENTS: Final[dict[str, type]] = {
    cls.__name__: cls
    for cls in (
        events.AccountOpened,
        events.LeverageChanged,
        events.MarginTypeChanged,
        events.PositionModeChanged,
        events.OrderAccepted,
        events.OrderTriggered,
        events.OrderTraded,
        events.OrderAmended,
        events.OrderClosed,
        events.TradeExecuted,
        events.PositionChanged,
        events.PricesUpdated,
        events.PremiumSampled,
        events.FundingSettled,
        LedgerPosted,
        events.MarginCallIssued,
        events.LiquidationTriggered,
        events.PositionLiquidated,
        events.AutoDeleveraged,
        events.AdlQuantilesUpdated,
    )
}


class CodecError(ValueError):
    """A journal record does not decode: wrong type name, missing field or bad value."""


def encode(obj: object) -> dict[str, Any]:
    """Return ``obj`` (a command) as a JSON-ready dict with its type name.

    A field left at its declared default (None, False, a default enum member) is left out; it
    reads back as that default.
    """
    if type(obj) is PlaceOrder:
        return encode_place_order(obj)
    if type(obj) is CancelOrder:
        return encode_cancel_order(obj)
    return encode_generic(obj)


def encode_generic(obj: object) -> dict[str, Any]:
    """Return :func:`encode` of any command, read field by field from its declaration."""
    result: dict[str, Any] = {"type": type(obj).__name__}
    for name, default in _field_defaults(type(obj)):
        value = getattr(obj, name)
        if value is not default:
            result[name] = _value(value)
    return result


def encode_place_order(command: PlaceOrder) -> dict[str, Any]:
    """Return :func:`encode_generic` of a ``PlaceOrder``, written out field by field.

    Most of a journal's commands are orders, and the generic loop (a lookup by name and type
    tests per field, 17 fields) takes twice as long. The same keys in the same order, each left
    out when it *is* its declared default (``tests/property/test_codec_fast_paths.py`` checks
    it for every order).
    """
    result: dict[str, Any] = {
        "type": "PlaceOrder",
        "account": command.account,
        "symbol": command.symbol,
        "side": value(command.side),  # ``value``: no generic attribute lookup of ``_value_``
        "order_type": value(command.order_type),
    }
    if command.quantity is not None:
        result["quantity"] = trim_raw(command.quantity.raw)
    if command.price is not None:
        result["price"] = trim_raw(command.price.raw)
    if command.time_in_force is not None:
        result["time_in_force"] = value(command.time_in_force)
    if command.stop_price is not None:
        result["stop_price"] = trim_raw(command.stop_price.raw)
    _encode_order_options(command, result)
    _encode_trigger_options(command, result)
    return result


def _encode_order_options(command: PlaceOrder, result: dict[str, Any]) -> None:
    if command.reduce_only is not False:
        result["reduce_only"] = command.reduce_only
    if command.close_position is not False:
        result["close_position"] = command.close_position
    if command.position_side is not PositionSide.BOTH:
        result["position_side"] = value(command.position_side)
    if command.client_order_id is not None:
        result["client_order_id"] = command.client_order_id
    if command.working_type is not WorkingType.CONTRACT_PRICE:
        result["working_type"] = value(command.working_type)


def _encode_trigger_options(command: PlaceOrder, result: dict[str, Any]) -> None:
    if command.activation_price is not None:
        result["activation_price"] = trim_raw(command.activation_price.raw)
    if command.callback_rate is not None:
        result["callback_rate"] = trim_raw(command.callback_rate.raw)
    if command.self_trade_prevention is not SelfTradePrevention.NONE:
        result["self_trade_prevention"] = value(command.self_trade_prevention)
    if command.price_protect is not False:
        result["price_protect"] = command.price_protect


def encode_cancel_order(command: CancelOrder) -> dict[str, Any]:
    """Return :func:`encode_generic` of a ``CancelOrder``, written out (see the one above)."""
    result: dict[str, Any] = {
        "type": "CancelOrder",
        "account": command.account,
        "symbol": command.symbol,
    }
    if command.order_id is not None:
        result["order_id"] = command.order_id
    if command.client_order_id is not None:
        result["client_order_id"] = command.client_order_id
    return result


_NO_DEFAULT: Final = object()
_DEFAULTS: Final[dict[type, tuple[tuple[str, object], ...]]] = {}


def _field_defaults(cls: type) -> tuple[tuple[str, object], ...]:
    """Return ``(name, default)`` per field; ``_NO_DEFAULT`` where the field has none.

    Only singleton defaults (None, True/False, enum members) count: a value is left out when it
    *is* its default.
    """
    pairs = _DEFAULTS.get(cls)
    if pairs is None:
        pairs = _DEFAULTS[cls] = tuple(
            (f.name, f.default if _is_singleton(f.default) else _NO_DEFAULT) for f in fields(cls)
        )
    return pairs


def _is_singleton(value: object) -> bool:
    return value is None or isinstance(value, bool | Enum)


def encode_event(event: object) -> list[Any]:
    """Return ``event`` as a journal row: ``[type name, field, field, ...]``."""
    row = _native_row(event)
    if row is not None:
        return row
    row = [type(event).__name__]
    for name in _field_names(type(event)):
        row.append(_value(getattr(event, name)))
    return row


def _native_row(event: object) -> list[Any] | None:
    """Return a hot event's own ``row()`` (one of ``_ROWS``), None for any other event.

    By exact type, most frequent first; after each test the call goes straight to the compiled
    method (a call by name, through a protocol, goes through Python's attribute lookup). The
    classes are imported by name: ``events.OrderAccepted`` would be a module attribute lookup.
    """
    kind = type(event)
    if kind is OrderAccepted:
        return typing.cast(OrderAccepted, event).row()
    if kind is LedgerPosted:
        return typing.cast(LedgerPosted, event).row()
    if kind is OrderTraded:
        return typing.cast(OrderTraded, event).row()
    if kind is PositionChanged:
        return typing.cast(PositionChanged, event).row()
    if kind is OrderClosed:
        return typing.cast(OrderClosed, event).row()
    if kind is TradeExecuted:
        return typing.cast(TradeExecuted, event).row()
    if kind is PricesUpdated:
        return typing.cast(PricesUpdated, event).row()
    return None


def encode_events(items: list[events.Event]) -> list[list[Any]]:
    return [encode_event(item) for item in items]


def record_type(item: Any) -> str | None:
    """Return the type name of a journaled event (a row, or a dict from older journals)."""
    if isinstance(item, list):
        return item[0] if item and isinstance(item[0], str) else None
    if isinstance(item, dict):
        kind = item.get("type")
        return kind if isinstance(kind, str) else None
    return None


#: The events that build their own row (``_native_row`` tests each of them).
_ROWS: Final[frozenset[type]] = frozenset(
    {
        events.OrderAccepted,
        events.OrderTraded,
        events.OrderClosed,
        events.TradeExecuted,
        events.PositionChanged,
        events.PricesUpdated,
        LedgerPosted,
    }
)


_FIELD_NAMES: Final[dict[type, tuple[str, ...]]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _value(value: object) -> Any:
    # tuples of types, not ``bool | int``: compiled, a union would be built on every call
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Enum):
        return value._value_
    if isinstance(value, Fixed):
        return trim_raw(value.raw)
    if isinstance(value, Amount):
        return [trim_raw(value.raw), value.asset]
    if isinstance(value, (tuple, list)):
        return [_value(item) for item in value]
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode_command(data: dict[str, Any]) -> commands.Command:
    """Return the command ``data`` encodes; raise :class:`CodecError` if it does not."""
    return typing.cast(commands.Command, _decode(data, _COMMANDS))


def decode_event(data: list[Any] | dict[str, Any]) -> events.Event:
    """Return the event a journal row (or an older journal's dict) encodes."""
    if isinstance(data, list):
        return typing.cast(events.Event, _decode_row(data))
    return typing.cast(events.Event, _decode(data, _EVENTS))


def _decode_row(row: list[Any]) -> object:
    kind = record_type(row)
    if kind not in _EVENTS:
        raise CodecError(f"unknown record type {kind!r}")
    cls = _EVENTS[kind]
    names = _field_names(cls)
    if len(row) != len(names) + 1:
        raise CodecError(f"{kind} has {len(names)} fields, the row {len(row) - 1}")
    data: dict[str, Any] = {"type": kind, **dict(zip(names, row[1:], strict=True))}
    return _decode(data, _EVENTS)


def _decode(data: dict[str, Any], registry: dict[str, type]) -> object:
    if not isinstance(data, dict) or data.get("type") not in registry:
        raise CodecError(
            f"unknown record type {data.get('type') if isinstance(data, dict) else data!r}"
        )
    cls = registry[data["type"]]
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for name, default in _field_defaults(cls):
        if name not in data:
            if default is _NO_DEFAULT:
                raise CodecError(f"{cls.__name__} lacks {name}")
            values[name] = default
            continue
        try:
            values[name] = _read(hints[name], data[name])
        except (TypeError, ValueError, KeyError) as error:
            raise CodecError(f"{cls.__name__}.{name}: {error}") from None
    return cls(**values)


@cache
def _hints(cls: type) -> dict[str, Any]:
    """Return the declared field types of ``cls``.

    A class compiled by mypyc keeps its optional fields' annotations only as a bare ``type``;
    those are the command fields ``commands.OPTIONAL_FIELD_TYPES`` names, read back as
    ``X | None``.
    """
    hints = typing.get_type_hints(cls)
    for name, hint in hints.items():
        if hint is type and name in commands.OPTIONAL_FIELD_TYPES:
            hints[name] = commands.OPTIONAL_FIELD_TYPES[name] | None
    return hints


def _read(hint: Any, raw: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if raw is None and type(None) in options:
            return None
        (inner,) = [t for t in options if t is not type(None)]
        return _read(inner, raw)
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if len(args) == 2 and args[1] is Ellipsis else Any
        return tuple(_read(inner, item) for item in raw)
    if hint is Any or hint is object:
        return tuple(raw) if isinstance(raw, list) else raw
    if hint is tuple:  # a bare ``tuple``: every list read as a tuple
        return _tuples(raw)
    if isinstance(hint, type):
        return _read_type(hint, raw)
    raise TypeError(f"unsupported field type {hint!r}")


def _tuples(raw: Any) -> Any:
    """Return ``raw`` with every JSON list turned into a tuple, at every depth."""
    if not isinstance(raw, list):
        raise TypeError(f"expected a list, got {raw!r}")
    return tuple(_tuples(item) if isinstance(item, list) else item for item in raw)


def _read_type(hint: type, raw: Any) -> Any:
    if issubclass(hint, Enum):
        return hint(raw)
    if issubclass(hint, Fixed):
        return hint.of(str(raw))
    if hint is Amount:
        value, asset = raw
        return Amount.of(str(value), str(asset))
    if hint is bool or hint is int or hint is str:
        if type(raw) is not hint:
            raise TypeError(f"expected {hint.__name__}, got {raw!r}")
        return raw
    raise TypeError(f"unsupported field type {hint.__name__}")
