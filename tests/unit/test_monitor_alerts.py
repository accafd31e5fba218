"""Alerts fire once per crossing and re-arm a tenth of the threshold back (no spam)."""

from __future__ import annotations

from decimal import Decimal

from liquidator.app.monitor.alerts import Alert, AlertGate, AlertKind, Thresholds
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import (
    ForcedKind,
    ForcedOrder,
    Funding,
    MarginCalled,
    MarkMoved,
)
from liquidator.app.monitor.figures import position_lines
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Price, Qty, Rate
from tests.monitor_builders import NOW_MS, risk_row, snapshot


def alerts_along(gate: AlertGate, book: AccountBook, symbol: str, marks: list[str]) -> list[Alert]:
    """Move ``symbol``'s mark along ``marks``, checking the gate after each move."""
    fired: list[Alert] = []
    for step, mark in enumerate(marks):
        book.move_mark(MarkMoved(symbol, Price.of(mark), Funding(None, 0), NOW_MS + step))
        fired += gate.check(position_lines(book, {}, {}))
    return fired


def test_margin_ratio_alert_fires_once_per_crossing_and_rearms_below_90_percent_of_it() -> None:
    # isolated long 1 BTC at 60000, wallet 3000: ratio (0.005 m - 50) / (m - 57000) at mark m
    book = AccountBook(snapshot([risk_row()]))
    gate = AlertGate(Thresholds(margin_ratio=Rate.of("0.25")))

    fired = alerts_along(
        gate,
        book,
        "BTCUSDT",
        # 12.3%, 26.6% (fires), 24.0%, 29.9%, 22.9% (not re-armed: below 22.5% needed),
        # 20.1% (re-armed), 26.6% (fires again)
        ["59000", "57900", "58000", "57800", "58050", "58200", "57900"],
    )

    assert [alert.kind for alert in fired] == [AlertKind.MARGIN_RATIO, AlertKind.MARGIN_RATIO]
    assert fired[0].details["marginRatio"].startswith("0.266111")
    assert fired[0].to_json()["alert"] == "MARGIN_RATIO"


def test_a_cross_account_gives_one_margin_ratio_alert_for_all_its_positions() -> None:
    rows = [
        risk_row("BTCUSDT", "1", "60000", margin_type="cross", leverage="10"),
        risk_row("ETHUSDT", "10", "3000", margin_type="cross", leverage="10"),
    ]
    book = AccountBook(snapshot(rows, cross_wallet="2000"))
    gate = AlertGate(Thresholds(margin_ratio=Rate.of("0.35")))

    # maintenance 250 + 120, balance 2000 + BTC's PnL: 24.6%, 36.5% (fires), 38.4%
    fired = alerts_along(gate, book, "BTCUSDT", ["59500", "59000", "58950"])

    assert len(fired) == 1
    assert fired[0].details["marginType"] == "cross"
    assert fired[0].details["asset"] == "USDT"


def test_distance_alert_fires_near_the_liquidation_price_and_rearms_above_110_percent() -> None:
    book = AccountBook(snapshot([risk_row()]))  # liquidation price 57236.18
    gate = AlertGate(Thresholds(distance=Rate.of("0.02")))

    # distances: 3.0%, 1.9% (fires), 1.5%, 2.1% (not re-armed: 2.2% needed), 1.8%, 2.3%, 1.9%
    fired = alerts_along(
        gate, book, "BTCUSDT", ["59000", "58350", "58100", "58450", "58300", "58600", "58350"]
    )

    assert [alert.kind for alert in fired] == [AlertKind.LIQUIDATION_DISTANCE] * 2
    assert fired[0].details["liquidationPrice"] == "57236.18090453"


def test_adl_alert_fires_at_the_quantile_and_not_again_while_it_stays() -> None:
    adl = [{"symbol": "BTCUSDT", "adlQuantile": {"LONG": 4, "SHORT": 0, "BOTH": 4}}]
    book = AccountBook(snapshot([risk_row()], adl=adl))
    gate = AlertGate(Thresholds(adl=4))

    first = gate.check(position_lines(book, {}, {}))
    again = gate.check(position_lines(book, {}, {}))
    book.adl[("BTCUSDT", PositionSide.BOTH)] = 2
    gate.check(position_lines(book, {}, {}))
    book.adl[("BTCUSDT", PositionSide.BOTH)] = 5
    back = gate.check(position_lines(book, {}, {}))

    assert [a.kind for a in first] == [AlertKind.ADL_QUANTILE]
    assert again == []
    assert [a.details["adl"] for a in back] == [5]


def test_no_threshold_no_alert() -> None:
    book = AccountBook(snapshot([risk_row()]))

    assert alerts_along(AlertGate(Thresholds()), book, "BTCUSDT", ["57300", "58000"]) == []


def forced(
    status: str, filled: str, order_id: int = 7, kind: ForcedKind = ForcedKind.LIQUIDATION
) -> ForcedOrder:
    return ForcedOrder(
        kind, "BTCUSDT", "SELL", PositionSide.BOTH, order_id, status, Qty.of("1"),
        Qty.of(filled), Price.of("57100") if filled != "0" else Price.of("0"), Price.of("57000"),
        NOW_MS,
    )  # fmt: skip


def test_a_liquidation_alerts_once_when_it_ends_not_when_placed_or_partly_filled() -> None:
    gate = AlertGate(Thresholds())

    placed = gate.forced(forced("NEW", "0"))
    partly = gate.forced(forced("PARTIALLY_FILLED", "0.4"))
    filled = gate.forced(forced("FILLED", "1"))
    repeated = gate.forced(forced("FILLED", "1"))
    adl = gate.forced(forced("FILLED", "1", order_id=8, kind=ForcedKind.ADL))

    assert placed is None
    assert partly is None
    assert filled is not None
    assert filled.to_json() | {"message": ""} == {
        "alert": "LIQUIDATION", "time": NOW_MS, "message": "", "symbol": "BTCUSDT",
        "positionSide": "BOTH", "orderId": 7, "side": "SELL", "status": "FILLED",
        "origQty": "1.00000000", "executedQty": "1.00000000", "avgPrice": "57100.00000000",
        "price": "57000.00000000",
    }  # fmt: skip
    assert repeated is None
    assert adl is not None
    assert adl.kind is AlertKind.ADL


def test_binance_s_margin_calls_alert_at_most_once_in_ten_minutes() -> None:
    gate = AlertGate(Thresholds())
    call = MarginCalled(("BTCUSDT",), (Decimal("108.5"),), NOW_MS)

    first = gate.margin_call(call)
    soon = gate.margin_call(MarginCalled(("BTCUSDT",), (Decimal("108.6"),), NOW_MS + 60_000))
    later = gate.margin_call(MarginCalled(("BTCUSDT",), (Decimal("108.7"),), NOW_MS + 601_000))

    assert first is not None
    assert "108.5" in first.message
    assert soon is None
    assert later is not None
