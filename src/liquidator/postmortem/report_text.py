"""The post-mortem as lines of text: what ``explain`` and ``postmortem`` print (and Markdown).

Every amount names its asset; every price is exact. The order of the story: the position and
its margin before, our liquidation and bankruptcy prices, the mark path of the symbol that
crashed, the margin call and trigger (a journal knows them), each liquidation order against
the bankruptcy price, the clearance fee, the fund and ADL, where the margin went, whether it
all agrees with Binance's rules, what would have survived, and the rebuild plan.
"""

from __future__ import annotations

from liquidator.core.money.fixed import trim_raw
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.analysis import Liquidation, Report
from liquidator.postmortem.records import ForcedOrder
from liquidator.postmortem.report_json import executed_price, order_kinds
from liquidator.postmortem.support import money, support_note, when

PATH_SHOWN = 8


def report_lines(report: Report) -> list[str]:
    """Return the whole report: each liquidation, then the ADL of the account's positions."""
    lines: list[str] = []
    for number, item in enumerate(report.liquidations):
        if number:
            lines.append("")
        lines += liquidation_lines(item, report.account)
    if report.adl:
        lines += ["", "Auto-deleveraged (closed against a liquidated trader, no fee):"]
        lines += [f"  {_adl(order, report)}" for order in report.adl]
    lines += [f"Note: {note}" for note in report.notes]
    return lines


def liquidation_lines(item: Liquidation, account: str | None) -> list[str]:
    lines = [_title(item, account)]
    lines += _before(item)
    lines += _path(item)
    lines += _trigger(item)
    kinds = order_kinds(item)
    for order in item.case.orders:
        lines += _order(item, order, kinds[order.order_id])
    lines += _left(item)
    lines += _loss(item)
    lines += _consistency(item)
    lines += _survival(item)
    lines += _rebuild(item)
    return lines


def _title(item: Liquidation, account: str | None) -> str:
    first = item.case.orders[0]
    who = f" of {account}" if account else ""
    if item.wallet.isolated:
        unit = f"isolated {first.symbol} {first.position_side} ({item.asset})"
    else:
        unit = f"cross margin in {item.asset}"
    return f"Liquidation{who}, {unit} at {when(first.time_ms)}"


def _before(item: Liquidation) -> list[str]:
    kind = "isolated" if item.wallet.isolated else "cross"
    lines = []
    for leg in item.case.legs:
        side = "LONG" if leg.quantity > 0 else "SHORT"
        lines.append(
            f"Before: {side} {trim_raw(abs(leg.quantity))} {leg.symbol} at entry "
            f"{trim_raw(leg.entry())}, {kind} wallet {money(item.wallet.amount, item.asset)}"
        )
    lines.append(f"  wallet from {item.wallet.source}")
    lines.append(
        f"  liquidation price {trim_raw(item.liquidation_price)} ({item.symbol}, ours), "
        f"bankruptcy price {trim_raw(item.bankruptcy_price)}"
    )
    return lines


def _path(item: Liquidation) -> list[str]:
    cutoff = (
        item.case.time_ms
        if item.exact_marks
        else item.case.time_ms - item.case.time_ms % 60_000 + 59_999
    )
    marks = _distinct([m for t, m in item.path if t <= cutoff])
    shown = [trim_raw(m) for m in marks]
    if len(shown) > PATH_SHOWN:
        shown = [*shown[:3], "...", *shown[-4:]]
    kind = "" if item.exact_marks else ", 1-minute mark bars"
    if not shown:
        return [f"Mark path ({item.symbol}): no marks in the history"]
    return [f"Mark path ({item.symbol}{kind}): " + " -> ".join(shown)]


def _distinct(marks: list[int]) -> list[int]:
    return [m for n, m in enumerate(marks) if n == 0 or marks[n - 1] != m]


def _ratio(maintenance: int, balance: int) -> str:
    if balance <= 0:
        return "beyond 100%: no balance left"
    return f"{maintenance * 10000 / balance / 100:.2f}%"


def _trigger(item: Liquidation) -> list[str]:
    evidence, asset = item.case.evidence, item.asset
    if evidence is None:
        return []
    lines = []
    if evidence.margin_call is not None:
        at, balance, maintenance = evidence.margin_call
        lines.append(
            f"Margin call at {when(at)}: margin balance {money(balance, asset)}, maintenance "
            f"{money(maintenance, asset)} (margin ratio {_ratio(maintenance, balance)})"
        )
    marks = ", ".join(f"{s} mark {trim_raw(m)}" for s, m in evidence.marks)
    lines.append(
        f"Liquidation: margin balance {money(evidence.margin_balance, asset)} <= maintenance "
        f"{money(evidence.maintenance, asset)} "
        f"({_ratio(evidence.maintenance, evidence.margin_balance)}) at {marks}"
    )
    cancelled = ", ".join(str(c) for c in evidence.cancelled) or "none"
    lines.append(f"Cancelled orders: {cancelled}")
    return lines


def _order(item: Liquidation, order: ForcedOrder, partial: str) -> list[str]:
    asset = item.asset
    lines = [
        f"Order {order.order_id} ({partial}): {order.side} {trim_raw(order.quantity)} "
        f"{order.symbol} IOC at the bankruptcy price {trim_raw(order.price)}"
    ]
    if order.executed:
        leg = next((g for g in item.case.legs if g.symbol == order.symbol), item.leg)
        at_average = leg.value16(order.executed, order.average)
        better = abs(at_average - leg.value16(order.executed, order.price)) // SCALE
        worse = order.average < order.price if order.side == "SELL" else order.average > order.price
        how = "worse than" if worse else "better than"
        lines.append(
            f"  filled {trim_raw(order.executed)} at average {trim_raw(order.average)} "
            f"({money(better, asset)} {how} bankruptcy)"
        )
    else:
        lines.append("  filled nothing")
    return lines


def _left(item: Liquidation) -> list[str]:
    evidence, asset = item.case.evidence, item.asset
    lines = []
    if item.loss.clearance_fee:
        lines.append(
            f"  clearance fee {money(-item.loss.clearance_fee, asset)} to the insurance fund"
        )
    if evidence is not None and evidence.taken_over:
        lines.append(f"  insurance fund took over {trim_raw(evidence.taken_over)}")
    if evidence is not None:
        for account, side, quantity, price in evidence.deleveraged:
            lines.append(f"  ADL: {account} {side} {trim_raw(quantity)} at {trim_raw(price)}")
    left = ", ".join(trim_raw(g.quantity) + " " + g.symbol for g in item.case.left)
    lines.append(f"Position left: {left or 'none'}")
    if item.loss.insurance_cover:
        lines.append(f"  the insurance fund covered {money(item.loss.insurance_cover, asset)}")
    return lines


def _loss(item: Liquidation) -> list[str]:
    loss, asset = item.loss, item.asset
    rows = [
        ("price move", loss.price_move),
        ("  to our liquidation price", loss.to_liquidation_price),
        ("  the liquidation's fills beyond it", loss.beyond_liquidation_price),
        ("funding", loss.funding),
        ("trading commission", loss.commission),
        ("clearance fee", loss.clearance_fee),
        ("insurance fund cover", loss.insurance_cover),
        ("total", loss.total),
    ]
    lines = [f"Where the margin went ({asset}):"]
    lines += [f"  {label:<38} {trim_raw(v) if v <= 0 else '+' + trim_raw(v)}" for label, v in rows]
    average = trim_raw(executed_price(item))
    lines.append(
        f"  {item.symbol} executed at {average} on average; the wallet was "
        f"{money(item.wallet.amount, asset)}"
    )
    return lines


def _consistency(item: Liquidation) -> list[str]:
    if item.consistent:
        return [
            "Consistent with Binance's published rules: the mark reached the liquidation "
            "price, the order went at the bankruptcy price and filled no worse, the fee is "
            "within the rate."
        ]
    lines = ["NOT consistent with Binance's published rules:"]
    lines += [
        f"  - {d.rule}: ours {d.ours}, Binance {d.binance} (order {d.order_id}, {when(d.time_ms)})"
        for d in item.differences
    ]
    lines.append("  To send to Binance support:")
    lines += [f"    {line}" for line in support_note(item).splitlines()]
    return lines


def _survival(item: Liquidation) -> list[str]:
    saved, asset = item.survival, item.asset
    lines = [f"To survive the worst mark seen ({trim_raw(saved.worst_mark)}):"]
    lines.append(
        f"  margin of at least {money(saved.margin_needed, asset)} "
        f"(+{trim_raw(saved.extra_margin)})"
    )
    lines.append(
        f"  leverage of at most {saved.max_leverage}x"
        if saved.max_leverage >= 1
        else "  no leverage: not even 1x"
    )
    if saved.stop is not None:
        stop = saved.stop
        kept = item.wallet.amount - stop.loss
        lines.append(
            f"  or a stop-market at {trim_raw(stop.price)}: with the marks seen it fills at about "
            f"{trim_raw(stop.fill)} and loses {money(stop.loss, asset)} (fees and funding "
            f"included) instead of {money(-item.loss.total, asset)}, keeping "
            f"{money(kept, asset)} of the margin"
        )
    elif saved.closest is not None:
        lines.append(
            f"  no stop would have kept half the margin: even one a tick from the entry, at "
            f"{trim_raw(saved.closest.price)}, fills about {trim_raw(saved.closest.fill)} and "
            f"loses {money(saved.closest.loss, asset)} with the fees and funding paid"
        )
    elif saved.gap is not None:
        lines.append(
            f"  no stop would have saved half the margin: the mark jumped from "
            f"{trim_raw(saved.gap[0])} to {trim_raw(saved.gap[1])} past the liquidation price"
        )
    return lines


def _rebuild(item: Liquidation) -> list[str]:
    plan, asset = item.rebuild, item.asset
    if plan is None:
        return ["Rebuild: no capital left to plan with"]
    side = "LONG" if item.leg.quantity > 0 else "SHORT"
    unit = "contracts " if item.leg.coin16 else ""
    lines = [
        f"Rebuild plan, with {money(plan.capital, asset)} left and {item.symbol} at "
        f"{trim_raw(plan.price)}:",
        f"  {side} {trim_raw(plan.quantity)} {unit}{item.symbol} at {plan.leverage}x isolated "
        f"(margin {money(plan.margin, asset)}), liquidation price "
        f"{trim_raw(plan.liquidation_price)}",
        f"  stop-market at {trim_raw(plan.stop)}: a stop-out costs about "
        f"{money(plan.loss_at_stop, asset)} (2% of the capital) against "
        f"{money(plan.loss_at_liquidation, asset)} at liquidation",
    ]
    if not item.leg.coin16:  # ``plan`` sizes USDⓈ-M (linear) contracts only
        lines.append(
            f"  check the odds first: liquidator plan --symbol {item.symbol} --side {side} "
            f"--capital {trim_raw(plan.capital)} --horizon 24h"
        )
    return lines


def _adl(order: ForcedOrder, report: Report) -> str:
    realized = report.adl_realized.get(order.order_id, 0)
    return (
        f"{when(order.time_ms)}: order {order.order_id} {order.side} "
        f"{trim_raw(order.executed)} {order.symbol} {order.position_side} at "
        f"{trim_raw(order.average)} (a liquidated trader's bankruptcy price), realized "
        f"{money(realized, report.asset, signed=True)}"
    )
