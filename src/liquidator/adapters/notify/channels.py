"""Where alerts are sent, beside the terminal: a command, a webhook, apprise's services.

Each alert is one JSON object (the line ``monitor --json`` prints). ``--alert-command CMD`` runs
``CMD`` through the shell with the JSON on its standard input (30 s at most); ``--webhook URL``
POSTs it as ``application/json`` (10 s at most); ``--notify URL`` hands the alert's sentence
(title: its kind) to apprise, which knows the URL schemes of chat and e-mail services
(``tgram://``, ``slack://``, ``discord://``, ``mailto://``, ``ntfy://``, ...). Deliveries run in
one background thread, in the order the alerts fired, so a slow service never holds the
monitor; a failure is reported in one line and the next alert is tried all the same.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import threading
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import apprise

logging.getLogger("apprise").addHandler(logging.NullHandler())
logging.getLogger("apprise").propagate = False

COMMAND_TIMEOUT_S = 30
WEBHOOK_TIMEOUT_S = 10


class DeliveryError(Exception):
    """An alert that did not reach a channel (reported in one line, never fatal)."""


class Channel(Protocol):
    name: str

    def send(self, alert: dict[str, Any]) -> None:
        """Deliver one alert; raise :class:`DeliveryError` if it did not arrive."""
        ...


class CommandChannel:
    def __init__(self, command: str) -> None:
        self.command = command
        self.name = "--alert-command"

    def send(self, alert: dict[str, Any]) -> None:
        try:
            done = subprocess.run(  # the user's own shell command
                self.command,
                shell=True,
                input=json.dumps(alert) + "\n",
                text=True,
                capture_output=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DeliveryError(str(error)) from None
        if done.returncode != 0:
            raise DeliveryError(f"exited with status {done.returncode}")


class WebhookChannel:
    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"--webhook {url}"

    def send(self, alert: dict[str, Any]) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(alert).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code}") from None
        except (OSError, ValueError) as error:
            raise DeliveryError(str(getattr(error, "reason", error))) from None


class AppriseChannel:
    """Every ``--notify`` URL, through one apprise object."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.notifier = apprise.Apprise()
        self.name = "--notify"
        for url in urls:
            with _quiet():
                known = self.notifier.add(url)
            if not known:
                raise ValueError(f"{url!r} is not a URL apprise supports")

    def send(self, alert: dict[str, Any]) -> None:
        with _quiet():
            delivered = self.notifier.notify(
                body=str(alert["message"]), title=f"liquidator: {alert['alert']}"
            )
        if not delivered:
            raise DeliveryError("apprise could not deliver to every service")


@contextmanager
def _quiet() -> Iterator[None]:
    """Hide the DeprecationWarning apprise's plugins raise when loaded (``imghdr``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


class Dispatcher:
    """Delivers alerts to the channels from one background thread, in order."""

    def __init__(self, channels: Sequence[Channel], report: Callable[[str], None]) -> None:
        self.channels = list(channels)
        self.report = report
        self.pending: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._deliver, name="alerts", daemon=True)
        if self.channels:
            self.thread.start()

    def send(self, alert: dict[str, Any]) -> None:
        if self.channels:
            self.pending.put(alert)

    def close(self, timeout_s: float = 15) -> None:
        """Deliver what is queued (waiting at most ``timeout_s``), then stop."""
        if self.channels:
            self.pending.put(None)
            self.thread.join(timeout_s)

    def _deliver(self) -> None:
        while (alert := self.pending.get()) is not None:
            for channel in self.channels:
                try:
                    channel.send(alert)
                except DeliveryError as error:
                    self.report(
                        f"{channel.name}: the {alert['alert']} alert was not delivered: {error}"
                    )
