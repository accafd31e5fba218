"""``liquidator monitor``'s command line: keys, URLs and thresholds read or refused in one line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from liquidator.cli import main
from liquidator.cli.monitor import _is_loopback, ws_base


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BINANCE_API_KEY", raising=False)
    monkeypatch.delenv("BINANCE_API_SECRET", raising=False)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([], "set BINANCE_API_KEY and BINANCE_API_SECRET, or --key-file"),
        (["--base-url", "ftp://example.com"], "is not a http or https URL"),
        (["--ws-url", "http://example.com"], "is not a ws or wss URL"),
        (["--alert-margin-ratio", "150"], "is not a percentage in (0, 100]"),
        (["--alert-distance", "nan"], "is not a decimal number"),
        (["--alert-adl", "9"], "is not an ADL quantile from 1 to 5"),
        (["--volatility-window", "3d"], "is not 3m to 25h"),
        (["--interval", "0"], "is not within 0.1..3600 seconds"),
        (["--web-address", "localhost:http"], "is not HOST:PORT"),
        (["--web-address", "127.0.0.1:70000"], "is not HOST:PORT"),
        (["--market", "spot"], "'spot' is not usdm or coinm"),
        (["--market", ""], "'' is not usdm or coinm"),
        (["--market", "coinm", "--base-url", "dapi.binance.com"], "is not a http or https URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["monitor", *argv])

    err = capsys.readouterr().err
    assert status == 2
    assert says in err
    assert err.count("error:") == 1


@pytest.mark.parametrize("text", ["{}", '{"apiKey": "k"}', "only-one-line\n", ""])
def test_a_key_file_without_a_key_and_a_secret_is_refused(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(text)

    status = main(["monitor", "--key-file", str(keys)])

    assert status == 2
    assert capsys.readouterr().err.startswith("liquidator: error: --key-file:")


def test_a_notify_url_apprise_does_not_know_is_refused_before_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("a-key\na-secret-not-to-print\n")

    status = main(["monitor", "--key-file", str(keys), "--notify", "nonsense://x"])

    err = capsys.readouterr().err
    assert status == 2
    assert "--notify" in err
    assert "a-secret-not-to-print" not in err


@pytest.mark.parametrize(
    ("base", "ws"),
    [
        ("https://fapi.binance.com", "wss://fstream.binance.com"),
        ("https://testnet.binancefuture.com", "wss://fstream.binancefuture.com"),
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("https://exchange.example:8443", "wss://exchange.example:8443"),
    ],
)
def test_the_websocket_base_follows_the_rest_base(base: str, ws: str) -> None:
    assert ws_base(base) == ws


@pytest.mark.parametrize(
    ("base", "ws"),
    [
        ("https://dapi.binance.com", "wss://dstream.binance.com"),
        ("https://testnet.binancefuture.com", "wss://dstream.binancefuture.com"),
        ("http://127.0.0.1:8080", "ws://127.0.0.1:8080/dapi"),
    ],
)
def test_the_coinm_websocket_base_is_the_dstream_one(base: str, ws: str) -> None:
    assert ws_base(base, "coinm") == ws


def test_a_web_address_in_use_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("a-key\na-secret-not-to-print\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        status = main(
            ["monitor", "--key-file", str(keys), "--web", "--web-address", f"127.0.0.1:{port}"]
        )

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"liquidator: error: --web-address 127.0.0.1:{port}: cannot listen")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.168.1.20", False), ("monitor.example", False)],
)  # fmt: skip
def test_a_dashboard_open_beyond_this_machine_is_told(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback
