"""The journal's JSON text of the hot commands, written out directly.

Most of a journal's commands are ``PlaceOrder`` and ``CancelOrder``. Their text is the compact
JSON of the codec's dict (``codec.encode``), ``json.dumps(encode(command), separators=(",",
":"))``: the same keys in the same order, each left out at its default. Building that dict and
handing it to a JSON encoder costs more than writing the text does, so the text is written
here field by field. The free strings (account, symbol, client order id) are written by
``json``'s own string encoder, the one ``json.dumps`` uses (ASCII output); enum values, numbers'
decimal texts and booleans never need escaping. ``tests/property/test_codec_fast_paths.py``
checks the text equals the generic encoder's, byte for byte, for every order.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii

from liquidator.core.exchange.commands import CancelOrder, PlaceOrder
from liquidator.core.exchange.orders import SelfTradePrevention, WorkingType, value
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.scaled import trim_raw

#: ``json.dumps``'s writer of a string (ASCII output): the quoted, escaped text.
quoted = encode_basestring_ascii


def command_text(command: object) -> str | None:
    """Return the compact JSON text of ``codec.encode(command)`` for a hot command, else None."""
    if type(command) is PlaceOrder:
        return place_order_text(command)
    if type(command) is CancelOrder:
        return cancel_order_text(command)
    return None


def place_order_text(command: PlaceOrder) -> str:
    """Return ``codec.encode_place_order(command)`` as compact JSON text."""
    parts = [
        '{"type":"PlaceOrder","account":',
        quoted(command.account),
        ',"symbol":',
        quoted(command.symbol),
        ',"side":"',
        value(command.side),
        '","order_type":"',
        value(command.order_type),
        '"',
    ]
    if command.quantity is not None:
        parts += (',"quantity":"', trim_raw(command.quantity.raw), '"')
    if command.price is not None:
        parts += (',"price":"', trim_raw(command.price.raw), '"')
    if command.time_in_force is not None:
        parts += (',"time_in_force":"', value(command.time_in_force), '"')
    if command.stop_price is not None:
        parts += (',"stop_price":"', trim_raw(command.stop_price.raw), '"')
    _add_order_options(command, parts)
    _add_trigger_options(command, parts)
    parts.append("}")
    return "".join(parts)


def _add_order_options(command: PlaceOrder, parts: list[str]) -> None:
    if command.reduce_only:
        parts.append(',"reduce_only":true')
    if command.close_position:
        parts.append(',"close_position":true')
    if command.position_side is not PositionSide.BOTH:
        parts += (',"position_side":"', value(command.position_side), '"')
    if command.client_order_id is not None:
        parts += (',"client_order_id":', quoted(command.client_order_id))
    if command.working_type is not WorkingType.CONTRACT_PRICE:
        parts += (',"working_type":"', value(command.working_type), '"')


def _add_trigger_options(command: PlaceOrder, parts: list[str]) -> None:
    if command.activation_price is not None:
        parts += (',"activation_price":"', trim_raw(command.activation_price.raw), '"')
    if command.callback_rate is not None:
        parts += (',"callback_rate":"', trim_raw(command.callback_rate.raw), '"')
    if command.self_trade_prevention is not SelfTradePrevention.NONE:
        parts += (',"self_trade_prevention":"', value(command.self_trade_prevention), '"')
    if command.price_protect:
        parts.append(',"price_protect":true')


def cancel_order_text(command: CancelOrder) -> str | None:
    """Return ``codec.encode_cancel_order(command)`` as compact JSON text (None: a bool id)."""
    parts = [
        '{"type":"CancelOrder","account":',
        quoted(command.account),
        ',"symbol":',
        quoted(command.symbol),
    ]
    if command.order_id is not None:
        if type(command.order_id) is not int:  # a bool, which JSON writes ``true``
            return None
        parts += (',"order_id":', str(command.order_id))
    if command.client_order_id is not None:
        parts += (',"client_order_id":', quoted(command.client_order_id))
    parts.append("}")
    return "".join(parts)
