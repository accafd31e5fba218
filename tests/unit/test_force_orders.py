"""forceOrders rows and the forceOrder feed, from the events of real liquidations."""

from __future__ import annotations

from liquidator.adapters.sqlite.history import SqliteHistory
from liquidator.core.exchange.events import PositionLiquidated
from liquidator.core.exchange.orders import Side
from liquidator.read.force_orders import ADL, LIQUIDATION, force_order_event
from liquidator.read.history import Histories
from liquidator.read.insurance_funds import FundHistory, adl_quantiles, insurance_balance
from tests.scenarios.test_liquidation import FUND, feed_venue, isolated_long
from tests.scenarios.venue import raw


def test_liquidation_order_row_counts_book_fills_and_the_fund_takeover() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_mark("27500")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "0.4", "27100")
    histories = Histories(SqliteHistory.memory())
    orders = histories.force_orders

    events = venue.set_mark("27100").events
    histories.apply(1, events)

    (row,) = orders.query("trader")
    assert (row.auto_close_type, row.status, row.side) == (LIQUIDATION, "FILLED", "SELL")
    assert row.client_order_id.startswith("autoclose-")
    assert (row.quantity, row.executed, row.price) == (raw("1"), raw("1"), raw("27000"))
    assert row.average_price == raw("27040")  # 0.4 at 27,100 and 0.6 taken over at 27,000
    body = row.to_binance()
    assert (body["type"], body["timeInForce"]) == ("LIMIT", "IOC")
    assert (body["avgPrice"], body["executedQty"], body["cumQuote"]) == ("27040", "1", "27040")
    (finished,) = [e for e in events if isinstance(e, PositionLiquidated)]
    message = force_order_event(finished, row.executed, row.cum_quote)
    assert message["e"] == "forceOrder"
    assert message["o"] == {
        "s": "BTCUSDT",
        "S": "SELL",
        "o": "LIMIT",
        "f": "IOC",
        "q": "1",
        "p": "27000",
        "ap": "27040",
        "X": "FILLED",
        "l": "1",
        "z": "1",
        "T": message["E"],
    }


def test_adl_rows_belong_to_the_deleveraged_accounts() -> None:
    venue = feed_venue(seed="0")
    isolated_long(venue)
    venue.open("bold", "1000")
    venue.open("buyer", "100000")
    venue.trade("buyer", "bold", "0.5", "30000")
    histories = Histories(SqliteHistory.memory())
    orders = histories.force_orders

    histories.apply(1, venue.set_mark("26000").events)

    (row,) = orders.query("bold", auto_close_type=ADL)
    assert (row.client_order_id, row.side, row.status) == ("adl_autoclose", "BUY", "FILLED")
    assert (row.executed, row.average_price) == (raw("0.5"), raw("27000"))
    assert orders.query("bold", auto_close_type=LIQUIDATION) == []
    assert [r.auto_close_type for r in orders.query("trader")] == [LIQUIDATION]


def test_clearance_fee_is_income_of_type_insurance_clear() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_mark("27500")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "1", "27100")
    histories = Histories(SqliteHistory.memory())
    history = histories.income

    histories.apply(1, venue.set_mark("27100").events)

    (fee,) = history.query("trader", income_type="INSURANCE_CLEAR")
    assert (fee.income, fee.symbol) == (-raw("100"), "BTCUSDT")


def test_fund_history_and_insurance_balance_follow_the_clearance_fee() -> None:
    venue = feed_venue()
    isolated_long(venue)
    venue.set_mark("27500")
    venue.open("bidder", "100000")
    venue.limit("bidder", Side.BUY, "1", "27100")
    history = FundHistory()

    history.apply(venue.set_mark("27100").events)

    (fee,) = history.movements
    assert (fee.fund, fee.kind, fee.change, fee.account) == (
        FUND,
        "INSURANCE_CLEAR",
        raw("100"),
        "trader",
    )
    groups = insurance_balance(venue.engine.venue, 1)
    # the shared group backs the inverse BTCUSD_PERP, in BTC
    assert [g["symbols"] for g in groups] == [["BTCUSDT"], ["ETHUSDT"], ["BTCUSD_PERP"]]
    assert groups[0]["assets"] == [{"asset": "USDT", "marginBalance": "1000100", "updateTime": 1}]


def test_adl_quantiles_put_the_most_profitable_most_leveraged_short_in_4() -> None:
    venue = feed_venue()
    isolated_long(venue)  # seller: short 1 at 30,000 with 100,000
    venue.open("bold", "1000")
    venue.open("buyer", "100000")
    venue.trade("buyer", "bold", "0.5", "30000")
    venue.set_mark("29000")
    venue.advance_to(venue.engine.venue.next_adl_ms)

    bold = adl_quantiles(venue.engine.venue, "bold")
    seller = adl_quantiles(venue.engine.venue, "seller")

    assert bold == [{"symbol": "BTCUSDT", "adlQuantile": {"LONG": 0, "SHORT": 4, "BOTH": 4}}]
    # two shorts: ranks 1 and 2 of 2 -> ceil(5 x 1/2) - 1 = 2 and ceil(5 x 2/2) - 1 = 4
    assert seller[0]["adlQuantile"] == {"LONG": 0, "SHORT": 2, "BOTH": 2}
