"""The solver on the cases a closed form gets wrong: hedges with two roots, none, or every price."""

from __future__ import annotations

from fractions import Fraction

import pytest

from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.contracts.instrument import Instrument
from liquidator.core.contracts.market import Market
from liquidator.core.margin.liquidation_price import (
    Direction,
    SharedMargin,
    group_bankruptcy_price,
    liquidation_price,
)
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.margin.position_margin import exact_maintenance_margin, exact_unrealized_pnl
from liquidator.core.money.fixed import Amount, Price, Qty


def hedge(instrument: Instrument, long: str, short: str, entry: str, mark: str) -> list[Position]:
    def leg(side: PositionSide, amount: str) -> Position:
        return Position(
            instrument, side, Qty.of(amount), Price.of(entry), Price.of(mark), MarginType.CROSS, 2
        )

    return [leg(PositionSide.LONG, long), leg(PositionSide.SHORT, f"-{short}")]


def surplus(
    positions: list[Position], table: BracketTable, wallet: Fraction, price: Fraction
) -> Fraction:
    return wallet + sum(
        (
            exact_unrealized_pnl(p, price) - exact_maintenance_margin(p, table, price)
            for p in positions
        ),
        Fraction(0),
    )


@pytest.mark.parametrize(
    ("mark", "direction"), [("60000", Direction.FALLING), ("250000", Direction.RISING)]
)
def test_nearly_flat_hedge_has_a_floor_and_a_ceiling_and_reports_the_nearer(
    market: Market, mark: str, direction: Direction
) -> None:
    # Net long 100 BTC: gains as the price rises until the 10% bracket (notional >= 230M on the
    # 1,000 BTC leg) makes maintenance grow faster than the net position; liquidated both ways.
    table = market.brackets["BTCUSDT"]
    positions = hedge(market.instruments["BTCUSDT"], "1000", "900", "60000", mark)
    wallet = Amount.of("3000000", "USDT")

    result = liquidation_price(positions, [table, table], SharedMargin.isolated(wallet))

    assert result.trigger is not None
    assert result.trigger.direction is direction
    price = result.trigger.price.fraction
    step = Fraction(1, 10**8)
    assert surplus(positions, table, wallet.fraction, price) >= 0
    beyond = price - step if direction is Direction.FALLING else price + step
    assert surplus(positions, table, wallet.fraction, beyond) < 0


def test_equal_hedge_with_an_empty_wallet_is_liquidatable_at_any_price(market: Market) -> None:
    table = market.brackets["BTCUSDT"]
    positions = hedge(market.instruments["BTCUSDT"], "1", "1", "60000", "60000")

    result = liquidation_price(
        positions, [table, table], SharedMargin.isolated(Amount.zero("USDT"))
    )

    assert result.trigger is None
    assert result.at_any_price
    assert group_bankruptcy_price(positions, SharedMargin.isolated(Amount.zero("USDT"))) is None


def test_equal_hedge_is_liquidated_only_when_maintenance_outgrows_the_wallet(
    market: Market,
) -> None:
    # 2 BTC of notional at 0.4%: maintenance 0.008·P reaches the 100 USDT wallet at P = 12,500.
    table = market.brackets["BTCUSDT"]
    positions = hedge(market.instruments["BTCUSDT"], "1", "1", "60000", "10000")

    result = liquidation_price(
        positions, [table, table], SharedMargin.isolated(Amount.of("100", "USDT"))
    )

    assert result.trigger is not None
    assert result.trigger.price == Price.of("12500")
    assert result.trigger.direction is Direction.RISING


def test_a_group_holds_one_instrument(market: Market) -> None:
    btc, eth = market.instruments["BTCUSDT"], market.instruments["ETHUSDT"]
    positions = [hedge(btc, "1", "1", "100", "100")[0], hedge(eth, "1", "1", "100", "100")[1]]
    tables = [market.brackets["BTCUSDT"], market.brackets["ETHUSDT"]]

    with pytest.raises(ValueError, match="one instrument"):
        liquidation_price(positions, tables, SharedMargin.isolated(Amount.of("1", "USDT")))
