"""Alert channels: a command gets the alert's JSON on stdin, in order; failures are one line."""

from __future__ import annotations

import json
from pathlib import Path

from liquidator.adapters.notify.channels import CommandChannel, Dispatcher, WebhookChannel


def test_the_command_gets_each_alert_as_json_on_stdin_in_the_order_they_fired(
    tmp_path: Path,
) -> None:
    received = tmp_path / "alerts.jsonl"
    reports: list[str] = []
    dispatcher = Dispatcher([CommandChannel(f"cat >> {received}")], reports.append)

    for kind in ("MARGIN_RATIO", "LIQUIDATION"):
        dispatcher.send({"alert": kind, "message": kind.lower()})
    dispatcher.close()

    lines = [json.loads(line) for line in received.read_text().splitlines()]
    assert [line["alert"] for line in lines] == ["MARGIN_RATIO", "LIQUIDATION"]
    assert reports == []


def test_a_failing_channel_is_reported_in_one_line_and_the_others_still_get_the_alert(
    tmp_path: Path,
) -> None:
    received = tmp_path / "alerts.jsonl"
    reports: list[str] = []
    dispatcher = Dispatcher(
        [
            CommandChannel("exit 3"),
            WebhookChannel("http://127.0.0.1:9/nobody-listens"),
            CommandChannel(f"cat >> {received}"),
        ],
        reports.append,
    )

    dispatcher.send({"alert": "ADL", "message": "adl"})
    dispatcher.close()

    assert reports[0] == "--alert-command: the ADL alert was not delivered: exited with status 3"
    assert reports[1].startswith("--webhook http://127.0.0.1:9/nobody-listens: the ADL alert")
    assert json.loads(received.read_text())["alert"] == "ADL"
