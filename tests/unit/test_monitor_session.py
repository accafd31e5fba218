"""The monitor's loop with hand-written fakes: reconnects, listen keys, silence, resyncs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

import pytest

from liquidator.app.monitor.alerts import Alert, Thresholds
from liquidator.app.monitor.book import AccountBook
from liquidator.app.monitor.events import (
    ForcedKind,
    ForcedOrder,
    Funding,
    ListenKeyExpired,
    MarkMoved,
    Snapshot,
    StreamDown,
)
from liquidator.app.monitor.figures import PositionLine
from liquidator.app.monitor.ports import Deliver, ListenKeyRejectedError, UnreachableError
from liquidator.app.monitor.session import MonitorSession, Settings
from liquidator.core.margin.position import PositionSide
from liquidator.core.money.fixed import Price, Qty, Rate
from tests.monitor_builders import NOW_MS, risk_row, snapshot

FAST = Settings(
    interval_s=0.01,
    refresh_s=3600,
    keepalive_s=3600,
    backoff_first_s=0.01,
    backoff_max_s=0.04,
    probe_after_s=3600,
    silence_limit_s=3600,
)


class FakeSource:
    def __init__(self) -> None:
        self.snapshots = 0
        self.keys = 0
        self.unreachable = 0  # the next N listen-key requests fail
        self.reject_keepalive = False

    def snapshot(self) -> Snapshot:
        self.snapshots += 1
        return snapshot([risk_row(liquidation="57236.18090453")])

    def mark_closes(self, symbol: str, minutes: int) -> Sequence[Decimal]:
        return [Decimal("60000"), Decimal("60100"), Decimal("59900")]

    def open_listen_key(self) -> str:
        if self.unreachable:
            self.unreachable -= 1
            raise UnreachableError("connection refused")
        self.keys += 1
        return f"key-{self.keys}"

    def keep_alive(self, listen_key: str) -> None:
        if self.reject_keepalive:
            raise ListenKeyRejectedError("This listenKey does not exist.")


class FakeHandle:
    def __init__(self, names: Sequence[str], deliver: Deliver, generation: int) -> None:
        self.names = list(names)
        self.deliver = deliver
        self.generation = generation
        self.probes = 0
        self.closed = False

    def subscribe(self, names: Sequence[str]) -> None:
        self.names += names

    def probe(self) -> None:
        self.probes += 1

    def close(self) -> None:
        self.closed = True


class FakeStreams:
    def __init__(self) -> None:
        self.opened: list[FakeHandle] = []

    def open(self, names: Sequence[str], deliver: Deliver, generation: int) -> FakeHandle:
        handle = FakeHandle(names, deliver, generation)
        self.opened.append(handle)
        return handle


class Recorder:
    def __init__(self) -> None:
        self.shown: list[list[PositionLine]] = []
        self.alerts: list[Alert] = []
        self.statuses: list[str] = []

    def lines(self, lines: list[PositionLine], book: AccountBook) -> None:
        self.shown.append(lines)

    def alert(self, alert: Alert) -> None:
        self.alerts.append(alert)

    def status(self, message: str) -> None:
        self.statuses.append(message)


class Running:
    def __init__(self, session: MonitorSession) -> None:
        self.session = session
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.session.run()
        except BaseException as error:  # the test reports it
            self.error = error


def wait_for(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


Parts = tuple[FakeSource, FakeStreams, Recorder]


@pytest.fixture
def parts() -> Parts:
    return FakeSource(), FakeStreams(), Recorder()


def start(
    parts: Parts,
    settings: Settings = FAST,
    thresholds: Thresholds | None = None,
) -> Iterator[MonitorSession]:
    source, streams, output = parts
    session = MonitorSession(source, streams, output, thresholds or Thresholds(), settings)
    running = Running(session)
    running.thread.start()
    try:
        yield session
    finally:
        session.stop.set()
        running.thread.join(5)
    assert running.error is None, running.error


def test_it_subscribes_the_user_stream_then_the_held_symbols_marks(parts: Parts) -> None:
    _source, streams, output = parts
    for _ in start(parts):
        wait_for(lambda: bool(output.shown))
        assert streams.opened[0].names == ["key-1", "btcusdt@markPrice@1s"]
        line = output.shown[0][0]
        assert line.liquidation == Price.of("57236.18090453")
        assert line.sigma is not None


def test_a_dropped_stream_reconnects_with_a_new_key_and_resyncs_from_rest(parts: Parts) -> None:
    source, streams, output = parts
    for _ in start(parts):
        wait_for(lambda: bool(streams.opened))
        streams.opened[0].deliver(StreamDown("Connection reset by peer", 1))
        wait_for(lambda: len(streams.opened) == 2 and source.snapshots == 2)
        wait_for(lambda: len(output.statuses) == 2)
        assert streams.opened[0].closed
        assert streams.opened[1].names[0] == "key-2"
        assert output.statuses == [
            "connection lost (Connection reset by peer); reconnecting in 0.01 s",
            "reconnected; resynchronised from REST",
        ]


def test_the_end_of_an_old_connection_is_ignored(parts: Parts) -> None:
    _source, streams, _output = parts
    for _ in start(parts):
        wait_for(lambda: bool(streams.opened))
        streams.opened[0].deliver(StreamDown("stale", 0))
        time.sleep(0.05)
        assert len(streams.opened) == 1


def test_an_expired_listen_key_opens_a_new_one_at_once(parts: Parts) -> None:
    source, streams, output = parts
    for _ in start(parts):
        wait_for(lambda: bool(streams.opened))
        streams.opened[0].deliver(ListenKeyExpired(NOW_MS))
        wait_for(lambda: len(streams.opened) == 2)
        assert output.statuses[0] == "the listen key expired; reconnecting in 0 s"
        assert source.keys == 2


def test_a_refused_keep_alive_opens_a_new_listen_key(parts: Parts) -> None:
    source, streams, output = parts
    source.reject_keepalive = True
    settings = (
        Settings(**{**FAST.__dict__, "keepalive_s": 0.05}) if False else _with(keepalive_s=0.05)
    )
    for _ in start(parts, settings):
        wait_for(lambda: len(streams.opened) >= 2)
        assert output.statuses[0].startswith("the listen key expired or was closed")


def test_a_silent_link_is_probed_then_dropped(parts: Parts) -> None:
    _source, streams, output = parts
    for _ in start(parts, _with(probe_after_s=0.05, silence_limit_s=0.2)):
        wait_for(lambda: len(streams.opened) >= 2)
        assert streams.opened[0].probes >= 1
        assert output.statuses[0].startswith("no message for 0 s")


def test_an_unreachable_exchange_is_retried_with_doubling_waits(parts: Parts) -> None:
    source, streams, output = parts
    source.unreachable = 4
    for _ in start(parts):
        wait_for(lambda: bool(streams.opened))
        assert output.statuses == [
            f"connection refused; reconnecting in {wait:g} s" for wait in (0.01, 0.02, 0.04, 0.04)
        ]


def test_marks_move_the_figures_and_a_liquidation_alerts_and_resyncs_soon(parts: Parts) -> None:
    source, streams, output = parts
    thresholds = Thresholds(margin_ratio=Rate.of("0.5"))
    for _ in start(parts, _with(refresh_s=3600), thresholds):
        wait_for(lambda: bool(output.shown))
        deliver = streams.opened[0].deliver
        deliver(MarkMoved("BTCUSDT", Price.of("57300"), Funding(None, 0), NOW_MS + 1))
        wait_for(lambda: bool(output.alerts))
        assert output.shown[-1][0].risk.position.mark_price == Price.of("57300")
        deliver(
            ForcedOrder(
                ForcedKind.LIQUIDATION, "BTCUSDT", "SELL", PositionSide.BOTH, 9, "FILLED",
                Qty.of("1"), Qty.of("1"), Price.of("57100"), Price.of("57000"), NOW_MS + 2,
            )
        )  # fmt: skip
        wait_for(lambda: len(output.alerts) == 2 and source.snapshots == 2)
        assert [a.kind.value for a in output.alerts] == ["MARGIN_RATIO", "LIQUIDATION"]


def _with(**changes: float) -> Settings:
    values = {name: getattr(FAST, name) for name in Settings.__dataclass_fields__}
    return Settings(**(values | changes))
