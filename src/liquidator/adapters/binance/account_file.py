"""An account as a trader exports it from Binance: a cross wallet and ``positionRisk`` rows.

    {"crossWalletBalance": "10000",
     "positions": [{"symbol": "BTCUSDT", "positionSide": "BOTH", "positionAmt": "-0.5",
                    "entryPrice": "60000", "markPrice": "61000", "marginType": "isolated",
                    "isolatedWallet": "3000", "leverage": "20"}]}

Field names are those of ``GET /fapi/v2/positionRisk`` (``/dapi/v1/positionRisk`` for COIN-M,
where ``positionAmt`` counts contracts and wallets are in the coin). Every check names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from liquidator.adapters.binance import fields
from liquidator.adapters.binance.fields import InputError
from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.contracts.instrument import Instrument
from liquidator.core.contracts.market import Market
from liquidator.core.margin.account import Account, AccountError
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.money.fixed import Amount, Qty, Rounding

_MARGIN_TYPES = {
    "cross": MarginType.CROSS,
    "crossed": MarginType.CROSS,
    "isolated": MarginType.ISOLATED,
}


def parse_account(document: Any, market: Market, name: str = "account") -> Account:
    """Return the account described by an export document, checked against ``market``."""
    body = fields.mapping(document, name)
    rows = fields.sequence(fields.required(body, "positions", ""), "positions")
    positions = tuple(
        parse_position(fields.mapping(row, f"positions[{i}]"), f"positions[{i}]", market)
        for i, row in enumerate(rows)
    )
    cross_assets = {p.margin_asset for p in positions if p.is_cross}
    if len(cross_assets) > 1:
        raise InputError(
            "crossWalletBalance",
            body.get("crossWalletBalance"),
            f"is one wallet, but cross positions are margined in {sorted(cross_assets)}",
        )
    asset = _wallet_asset(body, cross_assets, positions)
    wallet = fields.amount(body, "crossWalletBalance", "", asset)
    if wallet.raw < 0:
        raise InputError("crossWalletBalance", body["crossWalletBalance"], "must not be negative")
    try:
        return Account(wallet, positions)
    except AccountError as error:
        raise InputError("", None, str(error)) from None


def _wallet_asset(
    body: Mapping[str, Any], cross_assets: set[str], positions: tuple[Position, ...]
) -> str:
    if "asset" in body:
        asset = fields.text(body, "asset", "")
        if cross_assets and asset not in cross_assets:
            raise InputError("asset", asset, f"differs from the cross positions' {cross_assets}")
        return asset
    if cross_assets:
        return next(iter(cross_assets))
    return positions[0].margin_asset if positions else "USDT"


def parse_position(row: Mapping[str, Any], where: str, market: Market) -> Position:
    """Return one position from a ``positionRisk`` row."""
    symbol = fields.text(row, "symbol", where)
    instrument = market.instrument(symbol)
    table = market.bracket_table(symbol)
    if instrument is None or table is None:
        known = ", ".join(sorted(market.instruments)) or "none"
        missing = "contract spec" if instrument is None else "leverage brackets"
        raise InputError(f"{where}.symbol", symbol, f"is unknown (no {missing}; known: {known})")
    side = _side(row, where)
    quantity = _quantity(row, where, instrument, side)
    entry = fields.price(row, "entryPrice", where)
    margin_type = _margin_type(row, where)
    wallet = None
    if margin_type is MarginType.ISOLATED:
        wallet = fields.amount(row, "isolatedWallet", where, instrument.margin_asset)
        if wallet.raw <= 0:
            raise InputError(f"{where}.isolatedWallet", row["isolatedWallet"], "must be positive")
    leverage = _leverage(
        row, where, table, instrument.value(abs(quantity.fraction), entry.fraction)
    )
    return Position(
        instrument=instrument,
        side=side,
        quantity=quantity,
        entry_price=entry,
        mark_price=fields.price(row, "markPrice", where),
        margin_type=margin_type,
        leverage=leverage,
        isolated_wallet=wallet,
    )


def _side(row: Mapping[str, Any], where: str) -> PositionSide:
    value = row.get("positionSide", "BOTH")
    try:
        return PositionSide(value.upper() if isinstance(value, str) else value)
    except ValueError:
        raise InputError(f"{where}.positionSide", value, "must be BOTH, LONG or SHORT") from None


def _quantity(
    row: Mapping[str, Any], where: str, instrument: Instrument, side: PositionSide
) -> Qty:
    field = f"{where}.positionAmt"
    quantity = fields.quantity(row, "positionAmt", where)
    value = row["positionAmt"]
    if quantity.raw == 0:
        raise InputError(field, value, "is zero: leave flat positions out of the file")
    if not instrument.is_on_step(quantity):
        raise InputError(
            field,
            value,
            f"is not a multiple of the step size {instrument.step_size} of {instrument.symbol}",
        )
    if side is PositionSide.LONG and quantity.raw < 0:
        raise InputError(field, value, "must be positive for a LONG position")
    if side is PositionSide.SHORT and quantity.raw > 0:
        raise InputError(field, value, "must be negative for a SHORT position (Binance signs it)")
    return quantity


def _margin_type(row: Mapping[str, Any], where: str) -> MarginType:
    value = fields.required(row, "marginType", where)
    kind = _MARGIN_TYPES.get(value.lower()) if isinstance(value, str) else None
    if kind is None:
        raise InputError(f"{where}.marginType", value, 'must be "cross" or "isolated"')
    return kind


def _leverage(row: Mapping[str, Any], where: str, table: BracketTable, notional: Fraction) -> int:
    leverage = fields.integer(row, "leverage", where)
    field = f"{where}.leverage"
    if leverage < 1:
        raise InputError(field, row["leverage"], "must be at least 1")
    bracket = table.bracket_for(notional)
    if leverage > bracket.initial_leverage:
        shown = Amount.from_fraction(notional, table.margin_asset, Rounding.HALF_EVEN)
        raise InputError(
            field,
            row["leverage"],
            f"exceeds the maximum {bracket.initial_leverage}x of {table.symbol} bracket "
            f"{bracket.number} (notional {shown} at entry)",
        )
    return leverage
