"""Order parameters checked as Binance checks them before an order reaches the engine.

- ``side`` other than BUY/SELL is -1117 "Invalid side."; ``type`` not an order type is -1116
  "Invalid orderType."; ``timeInForce`` not one is -1115 "Invalid timeInForce." (not the
  generic -1130).
- A price (``price``, ``stopPrice``/``triggerPrice``, ``activationPrice``) with more decimals
  than the symbol's ``pricePrecision``, or a ``quantity`` with more than its
  ``quantityPrecision``, is -1111 "Precision is over the maximum defined for this asset.". A
  value within the precision but off the tick or the step (BTCUSDT: pricePrecision 2, tick
  0.10, so ``60000.05``) is left to the engine's filters: -4014 / -4023, as Binance answers.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import TypeVar

from liquidator.api.errors import BinanceError
from liquidator.api.params import DECIMAL, Params
from liquidator.api.precision import symbol_places
from liquidator.core.contracts.instrument import Instrument
from liquidator.core.exchange.orders import OrderType, Side, TimeInForce

E = TypeVar("E", bound=Enum)

PRECISION = -1111
INVALID_TIF = -1115
INVALID_ORDER_TYPE = -1116
INVALID_SIDE = -1117
PRICE_NAMES = ("price", "stopPrice", "triggerPrice", "activationPrice", "activatePrice")


def side_of(params: Params) -> Side:
    return _member(params, "side", Side, INVALID_SIDE, "Invalid side.")


def type_of(params: Params) -> OrderType:
    return _member(params, "type", OrderType, INVALID_ORDER_TYPE, "Invalid orderType.")


def time_in_force_of(params: Params) -> TimeInForce | None:
    if params.text("timeInForce") is None:
        return None
    return _member(params, "timeInForce", TimeInForce, INVALID_TIF, "Invalid timeInForce.")


def _member(params: Params, name: str, kind: type[E], code: int, msg: str) -> E:
    value = params.need(name)
    by_value = _by_value(kind)
    upper = value.upper()  # a member's name in any case reads as that name: Kind(NAME)
    member: E | None = by_value.get(upper if upper in kind.__members__ else value)
    if member is None:
        raise BinanceError(code, msg)
    return member


@cache
def _by_value(kind: type[E]) -> dict[object, E]:
    """``kind``'s members by value: ``Kind(value)`` by one lookup instead of Enum's call."""
    return {member.value: member for member in kind}


def check_precision(params: Params, instrument: Instrument) -> None:
    """Refuse a price or quantity written with more decimals than the symbol allows."""
    price_places, quantity_places = symbol_places(
        instrument.symbol, instrument.tick_size.raw, instrument.step_size.raw
    )
    for name in PRICE_NAMES:
        _check(params.text(name), price_places)
    _check(params.text("quantity"), quantity_places)


def _check(text: str | None, places: int) -> None:
    if text is None or "." not in text or not DECIMAL.fullmatch(text):
        return  # a malformed number is -1100 where it is read
    decimals = text.split(".", 1)[1].rstrip("0")
    if len(decimals) > places:
        raise BinanceError(PRECISION, "Precision is over the maximum defined for this asset.")
