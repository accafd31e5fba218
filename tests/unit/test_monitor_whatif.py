"""What-if: add margin, reduce, set a stop: the new liquidation price and margin ratio."""

from __future__ import annotations

from fractions import Fraction

import pytest

from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.whatif import (
    StopOutcome,
    WhatIf,
    WhatIfError,
    WhatIfOutcome,
    parse_what_if,
    what_if,
)
from liquidator.core.money.fixed import Amount, Price, Rate
from tests.monitor_builders import risk_row, snapshot

SLIPPAGE = Fraction(5, 1000)


def outcome_of(
    rows: list[dict[str, str]], change: str, cross_wallet: str = "10000"
) -> WhatIfOutcome:
    book = AccountBook(snapshot(rows, cross_wallet=cross_wallet))
    (account,) = book.accounts()
    return what_if(account, account.positions[0], parse_what_if(change), book.market, SLIPPAGE)


def stop_of(result: WhatIfOutcome) -> StopOutcome:
    assert result.stop is not None
    return result.stop


def test_adding_margin_to_an_isolated_long_lowers_its_liquidation_price_by_binance_s_formula() -> (
    None
):
    result = outcome_of([risk_row()], "add-margin=1000")

    assert result.before.liquidation.price == Price.of("57236.18090453")
    # (4000 + 50 - 60000) / (0.005 - 1), rounded up
    assert result.after.liquidation.price == Price.of("56231.15577890")
    assert result.after.position.isolated_wallet == Amount.of("4000", "USDT")


def test_reducing_an_isolated_position_keeps_its_pnl_and_releases_margin_pro_rata() -> None:
    # 1 BTC long at 60000 marked at 59000, wallet 3000: closing 0.5 realises -500 into the
    # isolated wallet (2500) and hands half of it back: 1250 stays for 0.5 BTC
    result = outcome_of([risk_row(mark="59000")], "reduce=0.5")

    after = result.after
    assert after.position.isolated_wallet == Amount.of("1250", "USDT")
    # 0.5 BTC in tier 1 (0.4%, cum 0): (1250 - 30000) / (0.5 * 0.004 - 0.5)
    assert after.liquidation.price == Price.of("57730.92369478")
    assert result.after_ratio is not None


def test_adding_margin_to_a_cross_position_raises_the_cross_wallet() -> None:
    rows = [risk_row(margin_type="cross", leverage="20")]

    result = outcome_of(rows, "add-margin=500", cross_wallet="3000")

    # (3500 + 50 - 60000) / (0.005 - 1)
    assert result.after.liquidation.price == Price.of("56733.66834171")
    before, after = result.before_ratio, result.after_ratio
    assert before is not None
    assert after is not None
    assert after < before


def test_a_stop_takes_its_loss_with_slippage_against_the_whole_margin_at_liquidation() -> None:
    result = outcome_of([risk_row(mark="59000")], "stop=58000")

    stop = stop_of(result)
    assert stop.fill == Price.of("57710")  # 58000 less 0.5%
    assert stop.loss == Amount.of("-2290", "USDT")
    assert stop.loss_at_liquidation == Amount.of("-3000", "USDT")  # all the isolated wallet
    assert stop.before_liquidation


def test_a_stop_past_the_liquidation_price_says_the_liquidation_comes_first() -> None:
    result = outcome_of([risk_row(mark="59000")], "stop=57100")

    assert not stop_of(result).before_liquidation


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("add-margin=-5", "positive"),
        ("leverage=5", "not one of"),
        ("reduce=0.1,reduce=0.2", "twice"),
        ("stop=abc", "not a number"),
        ("stop=nan", "positive"),
    ],
)
def test_a_what_if_that_cannot_be_read_says_why(text: str, reason: str) -> None:
    with pytest.raises(WhatIfError, match=reason):
        parse_what_if(text)


def test_reducing_by_the_whole_size_or_a_stop_on_the_wrong_side_is_refused() -> None:
    with pytest.raises(WhatIfError, match="less than the position"):
        outcome_of([risk_row()], "reduce=1")
    with pytest.raises(WhatIfError, match="below the mark"):
        outcome_of([risk_row()], "stop=61000")


def test_parse_reads_every_operation() -> None:
    assert parse_what_if("add-margin=100, reduce=0.01,stop=58000") == WhatIf(
        add_margin=Rate.of("100").to_decimal(),
        reduce=Rate.of("0.01").to_decimal(),
        stop=Rate.of("58000").to_decimal(),
    )
