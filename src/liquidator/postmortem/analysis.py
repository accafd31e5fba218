"""One engine for every source: a history in, the post-mortem of each liquidation out.

For each liquidation (:mod:`cases`): the unit's wallet (:mod:`wallet`), our liquidation and
bankruptcy prices (:mod:`figures`), the mark path of the symbol that crashed, the loss split
(:mod:`loss`), the consistency with Binance's rules (:mod:`checks`), what would have survived
(:mod:`survival`) and a rebuild plan (:mod:`rebuild`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from liquidator.core.contracts.market import Market
from liquidator.core.money.fixed import trim_raw
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.cases import Case, adl_orders, find_cases
from liquidator.postmortem.checks import Difference, Prices, differences
from liquidator.postmortem.figures import (
    bankruptcy,
    liquidation_price,
    needed_wallet,
    order_price,
    tick_of,
)
from liquidator.postmortem.loss import Loss, split_loss
from liquidator.postmortem.positions import Leg, entry_price
from liquidator.postmortem.rebuild import Rebuild, rebuild_plan
from liquidator.postmortem.records import ForcedOrder, History, PostmortemError
from liquidator.postmortem.survival import Survival, stop_for, survival
from liquidator.postmortem.wallet import Wallet, unit_wallet


@dataclass
class Liquidation:
    """The post-mortem of one liquidation."""

    case: Case
    asset: str
    wallet: Wallet
    symbol: str  # the symbol that crashed: its mark path is told
    leg: Leg  # its position
    marks: dict[str, int]  # the marks at the liquidation (ours for the others: last seen)
    path: list[tuple[int, int]]  # its marks from the opening to the end of the history
    liquidation_price: int
    bankruptcy_price: int
    loss: Loss
    differences: list[Difference]
    survival: Survival
    rebuild: Rebuild | None
    exact_marks: bool

    @property
    def consistent(self) -> bool:
        return not self.differences


@dataclass
class Report:
    source: str
    account: str | None
    asset: str
    liquidations: list[Liquidation] = field(default_factory=list)
    adl: list[ForcedOrder] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    adl_realized: dict[int, int] = field(default_factory=dict)  # ADL order id -> realized PnL


def analyse(
    history: History,
    market: Market,
    *,
    account: str | None = None,
    symbol: str | None = None,
    start_ms: int = 0,
    end_ms: int = 2**63,
    exact_marks: bool = False,
) -> Report:
    """Return the post-mortem of every liquidation (and ADL) of the history in the range."""
    history.sort()
    _contracts(history, market)
    report = Report(history.source, account, history.asset, notes=list(history.notes))
    report.adl = adl_orders(history, symbol, start_ms, end_ms)
    ids = {order.order_id for order in report.adl}
    for fill in history.fills:
        if fill.order_id in ids:
            report.adl_realized[fill.order_id] = (
                report.adl_realized.get(fill.order_id, 0) + fill.realized_pnl
            )
    for case in find_cases(history, symbol, start_ms, end_ms):
        report.liquidations.append(_liquidation(case, history, market, exact_marks))
    if not report.liquidations and not report.adl:
        where = f" in {symbol}" if symbol else ""
        who = f"{account!r}" if account else "the account"
        raise PostmortemError(f"no liquidation of {who}{where} in the range")
    return report


def _contracts(history: History, market: Market) -> None:
    """Tell the history its inverse (COIN-M) symbols, and name its margin asset after its forced
    orders' symbols when they share one (the API's rows do not say it)."""
    symbols = {f.symbol for f in history.fills} | {o.symbol for o in history.forced}
    assets = set()
    for symbol in symbols:
        instrument = market.instrument(symbol)
        if instrument is not None and instrument.is_inverse:
            history.coin16[symbol] = instrument.contract_size * SCALE * SCALE
        if instrument is not None and any(o.symbol == symbol for o in history.forced):
            assets.add(instrument.margin_asset)
    if len(assets) == 1:
        history.asset = assets.pop()


def _liquidation(case: Case, history: History, market: Market, exact: bool) -> Liquidation:
    marks = _marks_at(case, history)
    wallet = unit_wallet(case, history, market, marks)
    symbol, leg = _crashed(case, marks)
    ours = liquidation_price(wallet.amount, case.legs, marks, symbol, market)
    path = _since(history.marks.get(symbol, []), leg.opened_ms)
    seen_by = _seen_by(case.time_ms, exact)
    long = sum(g.quantity for g in case.legs if g.symbol == symbol) >= 0
    loss = split_loss(case, {**marks, symbol: ours})
    prices = Prices(
        ours,
        _order_prices(case, history, wallet.amount, marks, market, exact),
        long,
        _worst([m for t, m in path if t <= seen_by], long, marks[symbol]),
        _first_beyond(path, ours, long),
        exact,
    )
    full = not case.left
    left = wallet.amount + sum(f.realized_pnl for f in case.fills) if full else None
    worst = _worst([m for _, m in path], long, marks[symbol])
    needed = needed_wallet(case.legs, {**marks, symbol: worst}, market)
    costs = -(loss.commission + loss.funding)
    stop = stop_for(leg, path, wallet.amount, costs, tick_of(market, symbol), ours)
    saved = survival(case.legs, worst, needed, wallet.amount, stop)
    return Liquidation(
        case=case,
        asset=history.asset,
        wallet=wallet,
        symbol=symbol,
        leg=leg,
        marks=marks,
        path=path,
        liquidation_price=ours,
        bankruptcy_price=bankruptcy(
            wallet.amount, case.legs, _at_trigger(marks, symbol, ours, exact), leg, market
        ),
        loss=loss,
        differences=_margin_moved(case, wallet)
        + differences(case, prices, market, left if len(case.legs) == 1 else None),
        survival=saved,
        rebuild=rebuild_plan(history, leg, wallet, saved, market),
        exact_marks=exact,
    )


def _marks_at(case: Case, history: History) -> dict[str, int]:
    """Return each unit symbol's mark at the liquidation (a journal's exact trigger marks)."""
    if case.evidence is not None:
        exact = dict(case.evidence.marks)
        if all(leg.symbol in exact for leg in case.legs):
            return exact
    marks: dict[str, int] = {}
    for leg in case.legs:
        path = [m for t, m in history.marks.get(leg.symbol, []) if t <= case.time_ms]
        marks[leg.symbol] = path[-1] if path else leg.entry()
    return marks


def _crashed(case: Case, marks: dict[str, int]) -> tuple[str, Leg]:
    """Return the symbol whose mark moved most against the unit's net position in it, and
    that symbol's largest position on the net side."""

    def move(symbol: str) -> tuple[int, str]:
        mine = [leg for leg in case.legs if leg.symbol == symbol]
        net, cost = sum(g.quantity for g in mine), sum(g.cost for g in mine)
        if not net:
            return 0, symbol
        entry = abs(entry_price(net, cost, mine[0].coin16)) or 1
        change = (marks[symbol] - entry) * SCALE // entry
        return (change if net > 0 else -change), symbol

    symbol = min(case.symbols, key=move)
    net = sum(g.quantity for g in case.legs if g.symbol == symbol)
    side = [g for g in case.legs if g.symbol == symbol and (g.quantity > 0) == (net >= 0)]
    leg = max(side or case.legs, key=lambda g: abs(g.quantity))
    if not leg.quantity:
        raise PostmortemError(f"{leg.symbol}: the rebuilt position is flat")
    return symbol, leg


def _order_prices(
    case: Case, history: History, wallet: int, marks: dict[str, int], market: Market, exact: bool
) -> dict[int, tuple[int, int]]:
    """Return our bankruptcy price, to the tick, for the liquidation's first order.

    With the unit's other positions marked from 1-minute bars, each symbol's mark at the
    liquidation is only known within its minute's range: the price is then a range, its ends
    taken at every corner of those ranges (it is monotone in each mark). The orders after the
    first follow fills that changed the wallet: only the first is checked.
    """
    first = case.orders[0]
    leg = next((g for g in case.legs if g.key == (first.symbol, first.position_side)), None)
    if leg is None:
        return {}
    if exact or len(case.legs) == 1:
        price = order_price(wallet, case.legs, marks, leg, market)
        return {first.order_id: (price, price)}
    ranges = [(s, _minute_range(history, s, case.time_ms, marks[s])) for s in case.symbols]
    corners: list[dict[str, int]] = [dict(marks)]
    for symbol, (low, high) in ranges:
        corners = [{**c, symbol: m} for c in corners for m in (low, high)]
    prices = [order_price(wallet, case.legs, c, leg, market) for c in corners]
    return {first.order_id: (min(prices), max(prices))}


def _minute_range(history: History, symbol: str, time_ms: int, fallback: int) -> tuple[int, int]:
    start = time_ms - time_ms % 60_000
    seen = [m for t, m in history.marks.get(symbol, []) if start <= t < start + 60_000]
    return (min(seen), max(seen)) if seen else (fallback, fallback)


def _margin_moved(case: Case, wallet: Wallet) -> list[Difference]:
    """Tell when no leverage rebuilds the wallet the order's price implies."""
    if not wallet.source.startswith("implied"):
        return []
    first = case.orders[0]
    ours = "none at any leverage" if wallet.expected is None else trim_raw(wallet.expected)
    return [
        Difference(
            "the order's bankruptcy price matches no isolated margin the fills give at any "
            "leverage (expected if margin was added or removed by hand)",
            ours,
            trim_raw(first.price),
            first.order_id,
            first.time_ms,
        )
    ]


def _at_trigger(marks: dict[str, int], symbol: str, ours: int, exact: bool) -> dict[str, int]:
    """Return the marks at the trigger: a journal's, else ours at our liquidation price."""
    return marks if exact or not ours else {**marks, symbol: ours}


def _seen_by(time_ms: int, exact: bool) -> int:
    """Return the last time whose marks may have caused a liquidation at ``time_ms``.

    A journal's marks are exact; a 1-minute bar's low may come anywhere in its minute.
    """
    return time_ms if exact else time_ms - time_ms % 60_000 + 59_999


def _since(path: list[tuple[int, int]], opened_ms: int) -> list[tuple[int, int]]:
    earlier = [point for point in path if point[0] < opened_ms]
    return earlier[-1:] + [point for point in path if point[0] >= opened_ms]


def _worst(marks: list[int], long: bool, fallback: int) -> int:
    if not marks:
        return fallback
    return min(marks) if long else max(marks)


def _first_beyond(path: list[tuple[int, int]], price: int, long: bool) -> int | None:
    for time_ms, mark in path:
        if (mark <= price) if long else (mark >= price):
            return time_ms
    return None
