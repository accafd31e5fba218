"""Account commands: open, deposit, withdraw, leverage, margin type, position mode, isolated margin.

Each handler validates first (raising :class:`Rejected`) and mutates only after every check has
passed, so a refused command changes nothing.
"""

from __future__ import annotations

import re
from typing import Final

from liquidator.core.exchange.account_state import AccountState
from liquidator.core.exchange.commands import (
    Deposit,
    ModifyIsolatedMargin,
    OpenAccount,
    SetLeverage,
    SetMarginType,
    SetPositionMode,
    Withdraw,
)
from liquidator.core.exchange.events import (
    AccountOpened,
    Event,
    LeverageChanged,
    MarginTypeChanged,
    PositionModeChanged,
    RejectReason,
)
from liquidator.core.exchange.ledger import EXTERNAL, FEES, FUNDING, SETTLEMENT, EntryKind
from liquidator.core.exchange.order_entry import require_account, require_symbol
from liquidator.core.exchange.order_rules import reject
from liquidator.core.exchange.settlement import position_event
from liquidator.core.exchange.venue import MARKET_MAKER, Venue
from liquidator.core.margin.position import MarginType
from liquidator.core.margin.pretrade import (
    cross_figures,
    position_initial_margin,
    projected_cost,
    unrealized,
)
from liquidator.core.money.scaled import SCALE, trim_raw
from liquidator.core.risk.insurance_groups import FUND_PREFIX

ACCOUNT_NAME: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SYSTEM_ACCOUNT_NAME: Final = re.compile(r"^@[A-Za-z0-9_.:-]{1,63}$")
#: Names the venue keeps for itself: the ledger's own accounts, the market maker, the funds.
RESERVED_NAMES: Final = frozenset({EXTERNAL, FEES, SETTLEMENT, FUNDING, MARKET_MAKER})


def open_account(venue: Venue, command: OpenAccount, out: list[Event]) -> None:
    _check_account_name(command)
    if command.account in venue.accounts:
        raise reject(RejectReason.ACCOUNT_EXISTS, f"account {command.account!r} exists")
    venue.accounts[command.account] = AccountState(command.account, is_system=command.system)
    out.append(AccountOpened(command.account, venue.now_ms))


def _check_account_name(command: OpenAccount) -> None:
    """A user's name: 1-64 of letters, digits, ``_ . : -``; a system account's: ``@`` and
    1-63 of those, not one the venue keeps for itself."""
    name = command.account
    if not command.system:
        if not ACCOUNT_NAME.match(name):
            raise reject(
                RejectReason.INVALID_ACCOUNT, "account names are 1-64 letters, digits or _ . : -"
            )
        return
    if not SYSTEM_ACCOUNT_NAME.match(name):
        raise reject(
            RejectReason.INVALID_ACCOUNT,
            "system account names are @ and 1-63 letters, digits or _ . : -",
        )
    if name in RESERVED_NAMES or name.startswith(FUND_PREFIX):
        raise reject(RejectReason.INVALID_ACCOUNT, f"{name} is the venue's own account")


def _margin_assets(venue: Venue) -> set[str]:
    return {state.instrument.margin_asset for state in venue.symbols.values()}


def deposit(venue: Venue, command: Deposit, out: list[Event]) -> None:
    account = require_account(venue, command.account)
    amount = command.amount
    if amount.asset not in _margin_assets(venue):
        raise reject(RejectReason.UNKNOWN_ASSET, f"{amount.asset} is not a margin asset here")
    if amount.raw <= 0:
        raise reject(RejectReason.INVALID_AMOUNT, "a deposit must be positive")
    out.append(
        venue.ledger.transfer(
            EntryKind.DEPOSIT,
            amount.asset,
            EXTERNAL,
            account.account,
            amount.raw,
            account=account.account,
            ts_ms=venue.now_ms,
        )
    )


def withdraw(venue: Venue, command: Withdraw, out: list[Event]) -> None:
    """Withdraw at most ``maxWithdrawAmount`` (see ``pretrade``)."""
    account = require_account(venue, command.account)
    amount = command.amount
    if amount.asset not in _margin_assets(venue):
        raise reject(RejectReason.UNKNOWN_ASSET, f"{amount.asset} is not a margin asset here")
    if amount.raw <= 0:
        raise reject(RejectReason.INVALID_AMOUNT, "a withdrawal must be positive")
    limit = cross_figures(venue, account, amount.asset).max_withdraw
    if amount.raw > limit:
        raise reject(
            RejectReason.INSUFFICIENT_BALANCE,
            f"at most {trim_raw(limit)} {amount.asset} can be withdrawn",
        )
    out.append(
        venue.ledger.transfer(
            EntryKind.WITHDRAW,
            amount.asset,
            account.account,
            EXTERNAL,
            amount.raw,
            account=account.account,
            ts_ms=venue.now_ms,
        )
    )


def set_leverage(venue: Venue, command: SetLeverage, out: list[Event]) -> None:
    """Change leverage within the bracket table; the position and orders must still fit."""
    account = require_account(venue, command.account)
    state = require_symbol(venue, command.symbol)
    symbol, leverage = command.symbol, command.leverage
    if not 1 <= leverage <= state.table.max_leverage:
        raise reject(RejectReason.INVALID_LEVERAGE, f"Leverage {leverage} is not valid")
    cap = state.table.max_notional_at_leverage(leverage) or 0
    held = account.symbol(symbol)
    if projected_cost(account, held, state.mark_price, state.tiers) > cap * SCALE:
        raise reject(
            RejectReason.MAX_NOTIONAL_EXCEEDED,
            "Exceeded the maximum allowable position at current leverage.",
        )
    previous = held.leverage  # 0: never set
    asset = state.instrument.margin_asset
    before = cross_figures(venue, account, asset).available
    held.leverage = leverage
    after = cross_figures(venue, account, asset).available
    shortfall = _isolated_shortfall(venue, account, symbol)
    if (after < 0 and after < before) or shortfall:
        held.leverage = previous  # the command is refused
        reason = (
            RejectReason.ISOLATED_BALANCE_INSUFFICIENT
            if shortfall
            else RejectReason.INSUFFICIENT_MARGIN
        )
        raise reject(reason, "Margin is insufficient.")
    out.append(LeverageChanged(account.account, symbol, leverage, cap, venue.now_ms))


def _isolated_shortfall(venue: Venue, account: AccountState, symbol: str) -> bool:
    """Tell whether an isolated position's margin balance falls short of its initial margin."""
    if account.margin_type_of(symbol) is not MarginType.ISOLATED:
        return False
    state = venue.symbols[symbol]
    asset = state.instrument.margin_asset
    for position in account.held_positions():
        if position.symbol != symbol or position.quantity == 0:
            continue
        wallet = venue.ledger.balance(position.ledger_key, asset)
        mark, tiers = state.mark_price, state.tiers
        balance = wallet + unrealized(position, mark, tiers)
        if balance < position_initial_margin(position, mark, account.leverage_of(symbol), tiers):
            return True
    return False


def set_margin_type(venue: Venue, command: SetMarginType, out: list[Event]) -> None:
    account = require_account(venue, command.account)
    require_symbol(venue, command.symbol)
    if account.margin_type_of(command.symbol) is command.margin_type:
        raise reject(RejectReason.NO_NEED_TO_CHANGE_MARGIN_TYPE, "No need to change margin type.")
    if account.has_open_orders(command.symbol):
        raise reject(
            RejectReason.MARGIN_TYPE_OPEN_ORDERS,
            "Margin type cannot be changed if there exists open orders.",
        )
    if account.has_position(command.symbol):
        raise reject(
            RejectReason.MARGIN_TYPE_OPEN_POSITION,
            "Margin type cannot be changed if there exists position.",
        )
    account.symbol(command.symbol).margin_type = command.margin_type
    out.append(
        MarginTypeChanged(account.account, command.symbol, command.margin_type, venue.now_ms)
    )


def set_position_mode(venue: Venue, command: SetPositionMode, out: list[Event]) -> None:
    account = require_account(venue, command.account)
    if account.hedge == command.hedge:
        raise reject(
            RejectReason.NO_NEED_TO_CHANGE_POSITION_MODE, "No need to change position side."
        )
    if account.has_open_orders():
        raise reject(
            RejectReason.POSITION_MODE_OPEN_ORDERS,
            "Position side cannot be changed if there exists open orders.",
        )
    if account.has_position():
        raise reject(
            RejectReason.POSITION_MODE_OPEN_POSITION,
            "Position side cannot be changed if there exists position.",
        )
    account.hedge = command.hedge
    account.forget_positions()
    out.append(PositionModeChanged(account.account, command.hedge, venue.now_ms))


def modify_isolated_margin(venue: Venue, command: ModifyIsolatedMargin, out: list[Event]) -> None:
    """Move margin between the cross wallet and an open isolated position."""
    account = require_account(venue, command.account)
    state = require_symbol(venue, command.symbol)
    asset = state.instrument.margin_asset
    amount = command.amount
    if amount.asset != asset or amount.raw <= 0:
        raise reject(RejectReason.INVALID_AMOUNT, f"the amount must be a positive {asset} amount")
    if account.margin_type_of(command.symbol) is not MarginType.ISOLATED:
        raise reject(RejectReason.NOT_ISOLATED, "Margin is only adjusted on isolated positions.")
    position = account.find_position(command.symbol, command.position_side)
    if position is None or position.quantity == 0:
        raise reject(RejectReason.NO_POSITION, "There is no open position to adjust.")
    key, name = position.ledger_key, account.account
    if command.add:
        if amount.raw > cross_figures(venue, account, asset).max_withdraw:
            raise reject(RejectReason.INSUFFICIENT_BALANCE, "Cross balance insufficient.")
        source, target = name, key
    else:
        wallet = venue.ledger.balance(key, asset)
        mark, tiers = state.mark_price, state.tiers
        pnl = min(0, unrealized(position, mark, tiers))
        leverage = account.leverage_of(command.symbol)
        needed = position_initial_margin(position, mark, leverage, tiers)
        if amount.raw > wallet + pnl - needed:
            raise reject(
                RejectReason.ISOLATED_BALANCE_INSUFFICIENT, "Isolated balance insufficient."
            )
        source, target = key, name
    out.append(
        venue.ledger.transfer(
            EntryKind.ISOLATED_MARGIN,
            asset,
            source,
            target,
            amount.raw,
            account=name,
            symbol=command.symbol,
            ts_ms=venue.now_ms,
        )
    )
    out.append(position_event(venue, account, position))
