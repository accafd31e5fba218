"""What ``liquidator monitor --web`` shows: the monitor's latest figures and alerts, as JSON.

The feed is one more output of the monitor's session (beside the terminal view and the alert
channels): each tick it keeps every position's line (the ``--json`` line's fields, given by
``encode``), the cross account of each margin asset (wallet, margin balance, maintenance, margin
ratio) and the marks; alerts and status messages are kept too (the last 200 alerts). Every
change is handed to the page's subscribers as a server-sent event; a subscriber too slow to take
``QUEUE_LIMIT`` of them is dropped (its page reconnects and starts again from ``current``).
The session calls it from its own thread; the web server reads it from others.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from liquidator.app.monitor.alerts import Alert
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.figures import PositionLine
from liquidator.core.money.fixed import Amount, total

ALERTS_KEPT = 200
QUEUE_LIMIT = 1000
Message = tuple[str, str]  # (event name, JSON text)


class MonitorFeed:
    """The monitor's state for the page, and the pages listening to it."""

    def __init__(self, encode: Callable[[PositionLine], dict[str, Any]]) -> None:
        self.encode = encode
        self.lock = threading.Lock()
        self.state: dict[str, Any] = {
            "positions": [], "accounts": [], "marks": {}, "symbols": [], "time": 0,
        }  # fmt: skip
        self.symbols: set[str] = set()  # every symbol held since the start: the chart's menu
        self.alerts: deque[dict[str, Any]] = deque(maxlen=ALERTS_KEPT)
        self.last_status = {"message": ""}  # the session speaks only when something goes wrong
        self.listeners: set[queue.Queue[Message | None]] = set()

    # --- the session's side (``Output``) -------------------------------------------------------
    def lines(self, lines: list[PositionLine], book: AccountBook) -> None:
        marks = {symbol: book.marks[symbol].fixed() for symbol in book.symbols()}
        with self.lock:
            self.symbols |= set(marks)
            state = {
                "positions": [self.encode(line) for line in lines],
                "accounts": _accounts(lines, book),
                "marks": marks,
                "symbols": sorted(self.symbols),
                "time": book.updated_ms,
            }
            self.state = state
        self._publish("state", state)

    def alert(self, alert: Alert) -> None:
        body = alert.to_json()
        with self.lock:
            self.alerts.appendleft(body)
        self._publish("alert", body)

    def status(self, message: str) -> None:
        body = {"message": message}
        with self.lock:
            self.last_status = body
        self._publish("status", body)

    # --- the pages' side -----------------------------------------------------------------------
    def current(self) -> dict[str, Any]:
        """Return everything a page needs to start: the state, the alerts, the last status."""
        with self.lock:
            return self.state | {"alerts": list(self.alerts), "status": self.last_status}

    def held(self) -> set[str]:
        """Return every symbol held since the start (a closed position's chart stays)."""
        with self.lock:
            return set(self.symbols)

    def listen(self) -> queue.Queue[Message | None]:
        """Return a queue that receives every message from now on (None: you were dropped)."""
        listener: queue.Queue[Message | None] = queue.Queue()
        with self.lock:
            self.listeners.add(listener)
        return listener

    def leave(self, listener: queue.Queue[Message | None]) -> None:
        with self.lock:
            self.listeners.discard(listener)

    def close(self) -> None:
        """Wake every listener with the end of its stream."""
        with self.lock:
            listeners, self.listeners = self.listeners, set()
        for listener in listeners:
            listener.put(None)

    def _publish(self, event: str, body: dict[str, Any]) -> None:
        message = (event, json.dumps(body))
        with self.lock:
            listeners = list(self.listeners)
        for listener in listeners:
            if listener.qsize() >= QUEUE_LIMIT:
                self.leave(listener)
                listener.put(None)
            else:
                listener.put(message)


def _accounts(lines: list[PositionLine], book: AccountBook) -> list[dict[str, Any]]:
    """Return each margin asset's cross account: wallet, margin balance, maintenance, ratio."""
    accounts = []
    for asset in sorted(set(book.wallets) | {line.risk.position.margin_asset for line in lines}):
        wallet = book.wallets.get(asset, Amount.zero(asset))
        cross = [
            line
            for line in lines
            if line.risk.position.is_cross and line.risk.position.margin_asset == asset
        ]
        pnl = total([line.risk.margin.unrealized_pnl for line in cross], asset)
        maintenance = total([line.risk.margin.maintenance_margin for line in cross], asset)
        if (
            not cross
            and wallet.raw == 0
            and not any(line.risk.position.margin_asset == asset for line in lines)
        ):
            continue  # an asset the account holds none of
        ratio = cross[0].margin_ratio if cross else None
        accounts.append(
            {
                "asset": asset,
                "crossWalletBalance": wallet.fixed(),
                "marginBalance": (wallet + pnl).fixed(),
                "maintMargin": maintenance.fixed(),
                "marginRatio": ratio.fixed() if ratio is not None else None,
                "crossPositions": len(cross),
            }
        )
    return accounts
