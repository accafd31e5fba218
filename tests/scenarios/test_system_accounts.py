"""System accounts: the venue's own (``@...``, opened with ``OpenAccount(system=True)``), like the
market maker: no margin check, no commission, never liquidated nor ranked for ADL. The
background flow of ``serve --flow`` trades from one; a user's name never starts with ``@``."""

from __future__ import annotations

import pytest

from liquidator.core.exchange.codec import decode_command, encode
from liquidator.core.exchange.commands import Deposit, OpenAccount
from liquidator.core.exchange.events import OrderTraded, RejectReason
from liquidator.core.exchange.ledger import FEES
from liquidator.core.exchange.orders import OrderType, Side
from liquidator.core.money.fixed import Amount
from tests.scenarios.venue import USDT, exchange, of_type, order, raw


def test_a_system_account_trades_without_commission_and_is_never_a_margin_unit() -> None:
    venue = exchange("maker")
    venue.accept(OpenAccount("@flow", system=True))
    venue.accept(Deposit("@flow", Amount.of("1000", USDT)))
    venue.limit("maker", Side.SELL, "1", "60000")
    fees_before = venue.engine.venue.ledger.balance(FEES, USDT)

    bought = venue.accept(order("@flow", Side.BUY, OrderType.MARKET, "1"))  # 60,000 on 1,000

    fills = [t for t in of_type(bought, OrderTraded) if t.account == "@flow"]
    assert [f.quantity for f in fills] == [raw("1")]
    maker_fee = raw("12")  # the maker's 0.02% of 60,000; the system account pays none
    assert venue.engine.venue.ledger.balance(FEES, USDT) - fees_before == maker_fee
    venue.set_index("30000")  # a fall that would liquidate any user at 60x
    flow = venue.engine.venue.accounts["@flow"]
    assert flow.is_system
    assert [p.quantity for p in flow.open_positions()] == [raw("1")]


@pytest.mark.parametrize(
    ("name", "system"),
    [
        ("@flow", False),  # a user's name never starts with @
        ("flow", True),  # a system account's always does
        ("@", True),
        ("@market-maker", True),  # the venue's own names
        ("@fees", True),
        ("@insurance:BTCUSDT", True),
        ("@with space", True),
    ],
)
def test_names_are_kept_apart(name: str, system: bool) -> None:
    venue = exchange()

    venue.reject(OpenAccount(name, system=system), RejectReason.INVALID_ACCOUNT)


def test_the_journal_reads_a_system_account_back_and_an_old_record_as_a_users() -> None:
    assert decode_command(encode(OpenAccount("@flow", system=True))) == OpenAccount(
        "@flow", system=True
    )
    assert decode_command(encode(OpenAccount("alice"))) == OpenAccount("alice")
    assert "system" not in encode(OpenAccount("alice"))  # records before the field: unchanged
