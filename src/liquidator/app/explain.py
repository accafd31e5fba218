"""``liquidator explain``: a liquidation told line by line, from a journal's events alone.

For each liquidation of an account's margin unit (optionally one symbol, a time range) the
report gives what a trader assessing the damage asks, in order:

* the position and its margin before, with its liquidation and bankruptcy prices;
* the mark-price path from the position's opening to the liquidation, and the margin call;
* the orders the liquidation cancelled; each liquidation order (partial steps first), its fills
  against the bankruptcy price, the clearance fee, what the insurance fund took over and what
  was auto-deleveraged; a bankruptcy the fund covered;
* where the margin went: the price move to the liquidation mark, the liquidation's slippage
  beyond it, the clearance fee, commissions, funding; what is left;
* what would have survived the worst mark seen in the journal: the extra margin (or the
  highest leverage) that keeps the position above maintenance there, and the stop-loss price
  that would have closed it before the liquidation.

All amounts are exact (raw 10**-8 integers from the events), printed as decimals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from liquidator.app.journal import Journal
from liquidator.core.codec import decode_event, record_type
from liquidator.core.events import (
    AutoDeleveraged,
    Event,
    LiquidationTriggered,
    MarginCallIssued,
    OrderAccepted,
    OrderClosed,
    OrderTraded,
    PositionChanged,
    PositionLiquidated,
    PricesUpdated,
)
from liquidator.core.fixed import SCALE, trim_raw
from liquidator.core.ledger import EntryKind, LedgerPosted
from liquidator.core.margin_unit import IntTiers, bankruptcy_price, boundary_price
from liquidator.core.market import Market
from liquidator.core.orders import ExpiryReason, OrderType
from liquidator.core.position import MarginType, PositionSide


@dataclass
class Position:
    """A position as the events last showed it, with what it cost since it opened."""

    symbol: str
    side: PositionSide
    quantity: int = 0
    cost: int = 0
    isolated_wallet: int = 0
    margin_type: MarginType = MarginType.CROSS
    opened_ms: int = 0
    commission: int = 0  # paid since it opened (raw, positive)
    funding: int = 0  # received since it opened (raw, signed)

    def entry(self) -> int:
        return self.cost // self.quantity if self.quantity else 0


@dataclass
class Episode:
    """One liquidation of one margin unit, gathered from the events."""

    triggered: LiquidationTriggered
    before: list[Position]
    wallet_before: int
    margin_call: MarginCallIssued | None
    mark_path: list[tuple[int, int]]  # (ts, mark) of the first symbol, opening -> liquidation
    cancelled: list[OrderClosed] = field(default_factory=list)
    orders: list[PositionLiquidated] = field(default_factory=list)
    client_ids: dict[int, str] = field(default_factory=dict)
    deleveraged: list[AutoDeleveraged] = field(default_factory=list)
    realized: int = 0  # realized PnL of the liquidation's fills
    covered: int = 0  # paid in by the insurance fund
    worst_mark: int = 0


class ExplainError(ValueError):
    """Nothing to explain: no such account or no liquidation of it in the range."""


class _Reader:
    """Walks the events once, keeping what an explanation needs of one account."""

    def __init__(self, account: str, symbol: str | None, start_ms: int, end_ms: int) -> None:
        self.account, self.symbol = account, symbol
        self.start_ms, self.end_ms = start_ms, end_ms
        self.positions: dict[tuple[str, PositionSide], Position] = {}
        self.wallets: dict[str, int] = {}
        self.marks: dict[str, list[tuple[int, int]]] = {}
        self.calls: dict[str, MarginCallIssued] = {}
        self.episodes: list[Episode] = []
        self.current: Episode | None = None
        self.seen_account = False

    def feed(self, event: Event) -> None:
        if isinstance(event, PricesUpdated):
            self._mark(event)
        elif isinstance(event, LedgerPosted):
            self._ledger(event)
        elif isinstance(event, AutoDeleveraged) and event.counterparty == self.account:
            if self.current is not None:
                self.current.deleveraged.append(event)
        elif getattr(event, "account", None) == self.account:
            self.seen_account = True
            self._own(event)

    def _mark(self, event: PricesUpdated) -> None:
        path = self.marks.setdefault(event.symbol, [])
        if not path or path[-1][1] != event.mark_price:
            path.append((event.ts_ms, event.mark_price))
        for episode in self.episodes:
            if episode.before and event.symbol == episode.before[0].symbol:
                worse = min if episode.before[0].quantity > 0 else max
                episode.worst_mark = worse(episode.worst_mark, event.mark_price)

    def _ledger(self, event: LedgerPosted) -> None:
        own = self.account + "/"
        for name, amount in event.postings:
            if name != self.account and not name.startswith(own):
                continue
            self.wallets[name] = self.wallets.get(name, 0) + amount
            if event.kind is EntryKind.FUNDING_FEE:
                held = [
                    p for p in self.positions.values() if p.symbol == event.symbol and p.quantity
                ]
                if held:
                    held[0].funding += amount
            elif event.kind is EntryKind.INSURANCE_COVER and self.current is not None:
                self.current.covered += amount

    def _own(self, event: Event) -> None:
        if isinstance(event, PositionChanged):
            self._position(event)
        elif isinstance(event, OrderTraded):
            self._traded(event)
        elif isinstance(event, MarginCallIssued):
            self.calls[event.wallet] = event
        elif isinstance(event, LiquidationTriggered):
            self._start(event)
        elif isinstance(event, OrderAccepted):
            if self.current is not None and event.fields[6] == OrderType.LIQUIDATION.value:
                self.current.client_ids[event.order_id] = str(event.fields[3])
        elif self.current is not None:
            if isinstance(event, OrderClosed) and event.expiry_reason is ExpiryReason.LIQUIDATION:
                self.current.cancelled.append(event)
            elif isinstance(event, PositionLiquidated):
                self.current.orders.append(event)

    def _traded(self, event: OrderTraded) -> None:
        position = self._at(event.symbol, event.position_side)
        if position.quantity == 0:  # the fill that opens it: its story starts here
            position.commission = position.funding = 0
        position.commission += event.commission
        if self.current is not None:
            self.current.realized += event.realized_pnl

    def _at(self, symbol: str, side: PositionSide) -> Position:
        key = (symbol, side)
        if key not in self.positions:
            self.positions[key] = Position(symbol, side)
        return self.positions[key]

    def _position(self, event: PositionChanged) -> None:
        position = self._at(event.symbol, event.position_side)
        if position.quantity == 0 and event.quantity != 0:
            position.opened_ms = event.ts_ms
        position.quantity, position.cost = event.quantity, event.cost
        position.isolated_wallet, position.margin_type = event.isolated_wallet, event.margin_type

    def _start(self, event: LiquidationTriggered) -> None:
        in_range = self.start_ms <= event.ts_ms <= self.end_ms
        symbols = {s for s, _ in event.marks}
        if not in_range or (self.symbol is not None and self.symbol not in symbols):
            self.current = None
            return
        before = [
            Position(**vars(p))
            for p in self.positions.values()
            if p.quantity and p.symbol in symbols and _same_unit(event.wallet, p, self.account)
        ]
        first = before[0] if before else None
        path = _since(self.marks.get(first.symbol, []), first.opened_ms) if first else []
        episode = Episode(
            event,
            before,
            self.wallets.get(event.wallet, 0),
            self.calls.pop(event.wallet, None),
            path,
        )
        if first is not None and path:
            worse = min if first.quantity > 0 else max
            episode.worst_mark = worse(m for _, m in path)
        self.current = episode
        self.episodes.append(episode)

    def end_command(self) -> None:
        self.current = None


def _since(path: list[tuple[int, int]], opened_ms: int) -> list[tuple[int, int]]:
    """Return the marks from the one standing when the position opened to the last."""
    earlier = [point for point in path if point[0] < opened_ms]
    return earlier[-1:] + [point for point in path if point[0] >= opened_ms]


def _same_unit(wallet: str, position: Position, account: str) -> bool:
    if "/" in wallet:
        return wallet == f"{account}/{position.symbol}/{position.side.value}"
    return position.margin_type is MarginType.CROSS


def episodes(
    records: Iterable[list[Any]],
    account: str,
    *,
    symbol: str | None = None,
    start_ms: int = 0,
    end_ms: int = 2**63,
) -> list[Episode]:
    """Return the liquidations of ``account`` in the journal records' events."""
    reader = _Reader(account, symbol, start_ms, end_ms)
    for items in records:
        for item in items:
            if record_type(item) != "Rejected":
                reader.feed(decode_event(item))
        reader.end_command()
    if not reader.seen_account:
        raise ExplainError(f"account {account!r} does not appear in the journal")
    if not reader.episodes:
        where = f" in {symbol}" if symbol else ""
        raise ExplainError(f"no liquidation of {account!r}{where} in the journal")
    return reader.episodes


def journal_events(journal: Journal) -> Iterator[list[Any]]:
    for record in journal.records_after(0):
        yield json.loads(record.events)


# --- telling it ----------------------------------------------------------------------------------


def explain_lines(episode: Episode, market: Market) -> list[str]:
    """Return the report of one liquidation as plain lines (the CLI prints them)."""
    t = episode.triggered
    lines = [f"Liquidation of {t.account}, {_unit_name(t)} at {_time(t.ts_ms)}"]
    lines += _before_lines(episode, market)
    lines += _path_lines(episode)
    lines += _liquidation_lines(episode, market)
    lines += _loss_lines(episode)
    lines += _survival_lines(episode, market)
    return lines


def _unit_name(t: LiquidationTriggered) -> str:
    if "/" in t.wallet:
        _, symbol, side = t.wallet.split("/")
        return f"isolated {symbol} {side} ({t.asset})"
    return f"cross margin in {t.asset}"


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def _d(raw: int) -> str:
    return trim_raw(raw)


def _money(raw: int) -> str:
    whole = _d(raw)
    return whole if raw < 0 else "+" + whole


def _before_lines(episode: Episode, market: Market) -> list[str]:
    lines = []
    for p in episode.before:
        direction = "LONG" if p.quantity > 0 else "SHORT"
        tiers = IntTiers(market.bracket_table(p.symbol))  # type: ignore[arg-type]
        wallet = (
            p.isolated_wallet if p.margin_type is MarginType.ISOLATED else episode.wallet_before
        )
        kind = "isolated" if p.margin_type is MarginType.ISOLATED else "cross"
        lines.append(
            f"Before: {direction} {_d(abs(p.quantity))} {p.symbol} at entry {_d(p.entry())}, "
            f"{kind} wallet {_d(wallet)}"
        )
        if len(episode.before) == 1:
            exact = boundary_price(wallet, p.quantity, p.cost, tiers)
            bankrupt = bankruptcy_price(wallet, p.quantity, p.cost)
            lines.append(f"  liquidation price {_d(exact)}, bankruptcy price {_d(bankrupt)}")
    return lines


def _path_lines(episode: Episode) -> list[str]:
    path = [m for _, m in episode.mark_path]
    if len(path) > 8:
        path = [*path[:3], *path[-4:]]
        shown = (
            " -> ".join(_d(m) for m in path[:3])
            + " -> ... -> "
            + " -> ".join(_d(m) for m in path[3:])
        )
    else:
        shown = " -> ".join(_d(m) for m in path)
    lines = [f"Mark path: {shown}" if shown else "Mark path: (no prices in the journal)"]
    call = episode.margin_call
    if call is not None:
        ratio = _ratio(call.maintenance_margin, call.margin_balance)
        lines.append(
            f"Margin call at {_time(call.ts_ms)}: margin balance {_d(call.margin_balance)}, "
            f"maintenance {_d(call.maintenance_margin)} (margin ratio {ratio})"
        )
    return lines


def _ratio(maintenance: int, balance: int) -> str:
    if balance <= 0:
        return "beyond 100%: no balance left"
    return f"{maintenance * 10000 / balance / 100:.2f}%"


def _liquidation_lines(episode: Episode, market: Market) -> list[str]:
    t = episode.triggered
    marks = ", ".join(f"{s} mark {_d(m)}" for s, m in t.marks)
    lines = [
        f"Liquidation: margin balance {_d(t.margin_balance)} <= maintenance "
        f"{_d(t.maintenance_margin)} ({_ratio(t.maintenance_margin, t.margin_balance)}) at {marks}"
    ]
    lines.append(
        f"Cancelled orders: {', '.join(str(c.order_id) for c in episode.cancelled)}"
        if episode.cancelled
        else "Cancelled orders: none"
    )
    for order in episode.orders:
        lines += _order_lines(order, episode, market)
    for adl in episode.deleveraged:
        lines.append(f"  ADL: {adl.account} {adl.side} {_d(adl.quantity)} at {_d(adl.price)}")
    if episode.covered:
        lines.append(f"Insurance fund covered a negative balance of {_d(episode.covered)}")
    return lines


def _order_lines(order: PositionLiquidated, episode: Episode, market: Market) -> list[str]:
    kind = "partial" if order.partial else "full"
    client = episode.client_ids.get(order.order_id, str(order.order_id))
    lines = [
        f"Order {client} ({kind}): {order.side} {_d(order.quantity)} {order.symbol} IOC "
        f"at the bankruptcy price {_d(order.bankruptcy_price)}"
    ]
    if order.filled:
        average = order.cum_quote // order.filled
        better = abs(average - order.bankruptcy_price) * order.filled // SCALE
        lines.append(
            f"  book filled {_d(order.filled)} at average {_d(average)} "
            f"({_d(better)} better than bankruptcy)"
        )
    else:
        lines.append("  book filled nothing")
    rate = market.instruments[order.symbol].liquidation_fee_rate
    full_fee = -(-order.cum_quote * rate.raw // (SCALE * SCALE))
    capped = " (capped at the margin left)" if order.clearance_fee < full_fee else ""
    lines.append(f"  clearance fee {_d(order.clearance_fee)} to the insurance fund{capped}")
    if order.taken_over:
        lines.append(
            f"  insurance fund took over {_d(order.taken_over)} at {_d(order.bankruptcy_price)}"
        )
    if order.deleveraged:
        lines.append(f"  auto-deleveraged {_d(order.deleveraged)} at {_d(order.bankruptcy_price)}")
    return lines


def _loss_lines(episode: Episode) -> list[str]:
    """Where the margin went: the price move, the liquidation's fills and fee, fees, funding."""
    t = episode.triggered
    marks = dict(t.marks)
    move = sum((p.quantity * marks[p.symbol] - p.cost) // SCALE for p in episode.before)
    rows = [
        ("price move to the liquidation mark", move),
        ("liquidation fills beyond the mark", episode.realized - move),
        ("clearance fee", -sum(o.clearance_fee for o in episode.orders)),
        ("trading commission", -sum(p.commission for p in episode.before)),
        ("funding", sum(p.funding for p in episode.before)),
        ("covered by the insurance fund", episode.covered),
    ]
    lines = ["Where the margin went:"]
    for label, amount in rows:
        if amount or label.startswith("price"):
            lines.append(f"  {label:<36} {_money(amount)}")
    lines.append(f"  {'total':<36} {_money(sum(amount for _, amount in rows))}")
    return lines


def _survival_lines(episode: Episode, market: Market) -> list[str]:
    if len(episode.before) != 1 or not episode.worst_mark:
        return []
    p = episode.before[0]
    tiers = IntTiers(market.bracket_table(p.symbol))  # type: ignore[arg-type]
    worst = episode.worst_mark
    wallet = p.isolated_wallet if p.margin_type is MarginType.ISOLATED else episode.wallet_before
    unrealized = (p.quantity * worst - p.cost) // SCALE
    needed = tiers.maintenance(abs(p.quantity) * worst) - unrealized + 1
    notional = abs(p.cost) // SCALE
    leverage = notional // needed if needed > 0 else 0
    tick = market.instruments[p.symbol].tick_size.raw
    liquidation = boundary_price(wallet, p.quantity, p.cost, tiers)
    stop = (
        liquidation + tick - liquidation % tick
        if p.quantity > 0
        else liquidation - tick - liquidation % tick
    )
    loss = abs(p.quantity) * abs(p.entry() - stop) // SCALE
    lines = [f"To survive the worst mark seen ({_d(worst)}):"]
    lines.append(f"  margin of at least {_d(needed)} (+{_d(max(0, needed - wallet))})")
    lines.append(
        f"  leverage of at most {leverage}x" if leverage >= 1 else "  no leverage: not even 1x"
    )
    side = "above" if p.quantity > 0 else "below"
    lines.append(
        f"  or a stop-loss {side} the liquidation price: at {_d(stop)} it closes first, "
        f"losing about {_d(loss)} instead"
    )
    return lines
