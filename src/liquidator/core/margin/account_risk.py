"""An account's risk at its mark prices: margin, margin ratio, liquidation and bankruptcy prices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.margin.account import Account
from liquidator.core.margin.liquidation_price import (
    Direction,
    LiquidationPrice,
    SharedMargin,
    TriggerPrice,
    group_bankruptcy_price,
    liquidation_price,
)
from liquidator.core.margin.position import Position
from liquidator.core.margin.position_margin import PositionMargin, margin_ratio, position_margin
from liquidator.core.money.fixed import Amount, Rate, total
from liquidator.core.money.scaled import Rounding


@dataclass(frozen=True, slots=True)
class PositionRisk:
    """One position's margin and trigger prices."""

    margin: PositionMargin
    liquidation: LiquidationPrice
    bankruptcy: TriggerPrice | None
    shared: SharedMargin  # the wallet and the frozen rest (TMM1, UPNL1) the prices were solved with

    @property
    def position(self) -> Position:
        return self.margin.position

    def distance_to_liquidation(self) -> Rate | None:
        """Return how far the mark may move toward the liquidation price, as a fraction of mark.

        Negative when the mark is already past it. Rounded down (the smaller cushion).
        """
        trigger = self.liquidation.trigger
        if trigger is None:
            return None
        mark = self.position.mark_price.fraction
        gap = trigger.price.fraction - mark
        if trigger.direction is Direction.FALLING:
            gap = -gap
        return Rate.from_fraction(gap / mark, Rounding.FLOOR)

    def isolated_margin_ratio(self) -> Rate | None:
        """Return maintenance margin / (isolated wallet + unrealized PnL); None for cross."""
        wallet = self.position.isolated_wallet
        if wallet is None:
            return None
        balance = wallet + self.margin.unrealized_pnl
        return margin_ratio(self.margin.maintenance_margin, balance)


@dataclass(frozen=True, slots=True)
class AssetTotals:
    """Sums over one margin asset: the cross wallet plus every isolated wallet in it."""

    asset: str
    wallet_balance: Amount
    unrealized_pnl: Amount
    maintenance_margin: Amount
    initial_margin: Amount

    @property
    def margin_balance(self) -> Amount:
        return self.wallet_balance + self.unrealized_pnl


@dataclass(frozen=True, slots=True)
class AccountRisk:
    """The cross account's margin state, and every position's risk."""

    positions: tuple[PositionRisk, ...]
    cross_wallet_balance: Amount
    cross_unrealized_pnl: Amount
    cross_maintenance_margin: Amount
    totals: tuple[AssetTotals, ...]

    @property
    def cross_margin_balance(self) -> Amount:
        """Return ``cross wallet + cross unrealized PnL`` (exact sum of rounded figures)."""
        return self.cross_wallet_balance + self.cross_unrealized_pnl

    @property
    def margin_ratio(self) -> Rate | None:
        """Return cross maintenance margin / cross margin balance (None: balance not positive)."""
        return margin_ratio(self.cross_maintenance_margin, self.cross_margin_balance)

    def is_liquidatable(self) -> bool:
        """Tell whether the cross account has reached maintenance (ratio at or above 100%)."""
        ratio = self.margin_ratio
        return ratio is None or ratio.raw >= Rate.of(1).raw


def assess_account(account: Account, tables: Mapping[str, BracketTable]) -> AccountRisk:
    """Value every position at its mark and solve its liquidation and bankruptcy prices.

    Positions that share a liquidation price (a cross hedge pair) are solved once together.
    """
    margins = tuple(position_margin(p, _table(tables, p)) for p in account.positions)
    asset = account.margin_asset
    cross = [m for m in margins if m.position.is_cross]
    solved: dict[tuple[Position, ...], _GroupPrices] = {}
    risks = []
    for margin in margins:
        group = account.liquidation_group(margin.position)
        if group not in solved:
            solved[group] = _solve_group(account, margins, group, tables)
        liquidation, bankruptcy, shared = solved[group]
        risks.append(PositionRisk(margin, liquidation, bankruptcy, shared))
    return AccountRisk(
        positions=tuple(risks),
        cross_wallet_balance=account.cross_wallet_balance,
        cross_unrealized_pnl=total([m.unrealized_pnl for m in cross], asset),
        cross_maintenance_margin=total([m.maintenance_margin for m in cross], asset),
        totals=_totals(account, margins),
    )


_GroupPrices = tuple[LiquidationPrice, TriggerPrice | None, SharedMargin]


def _solve_group(
    account: Account,
    margins: tuple[PositionMargin, ...],
    group: tuple[Position, ...],
    tables: Mapping[str, BracketTable],
) -> _GroupPrices:
    wallet = group[0].isolated_wallet
    if wallet is not None:
        shared = SharedMargin.isolated(wallet)
    else:
        others = [m for m in margins if m.position.is_cross and m.position not in group]
        asset = account.margin_asset
        shared = SharedMargin(
            wallet=account.cross_wallet_balance,
            other_maintenance=total([m.maintenance_margin for m in others], asset),
            other_pnl=total([m.unrealized_pnl for m in others], asset),
        )
    group_tables = [_table(tables, p) for p in group]
    return (
        liquidation_price(group, group_tables, shared),
        group_bankruptcy_price(group, shared),
        shared,
    )


def _totals(account: Account, margins: tuple[PositionMargin, ...]) -> tuple[AssetTotals, ...]:
    assets = sorted({account.margin_asset} | {m.position.margin_asset for m in margins})
    result = []
    for asset in assets:
        mine = [m for m in margins if m.position.margin_asset == asset]
        wallets = [m.position.isolated_wallet for m in mine if m.position.isolated_wallet]
        if asset == account.margin_asset:
            wallets.append(account.cross_wallet_balance)
        result.append(
            AssetTotals(
                asset=asset,
                wallet_balance=total(wallets, asset),
                unrealized_pnl=total([m.unrealized_pnl for m in mine], asset),
                maintenance_margin=total([m.maintenance_margin for m in mine], asset),
                initial_margin=total([m.initial_margin for m in mine], asset),
            )
        )
    return tuple(result)


def _table(tables: Mapping[str, BracketTable], position: Position) -> BracketTable:
    table = tables.get(position.symbol)
    if table is None:
        raise KeyError(f"no leverage brackets for {position.symbol}")
    if table.margin_asset != position.margin_asset:
        raise ValueError(
            f"{position.symbol}: brackets are in {table.margin_asset}, "
            f"the contract is margined in {position.margin_asset}"
        )
    return table
