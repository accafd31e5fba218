"""Every malformed file or argument gets one line on stderr naming what is wrong, and status 2.

Each case was a traceback, a hang or a silent exit 0 with garbage before: deep JSON, numbers
too long to convert, CSV fields over the csv module's limit, non-UTF-8 file names, empty or
foreign replay files, funding files that are not funding files. Valid files with a byte-order
mark or CRLF line ends still work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from liquidator.cli import main
from tests.builders import position_row, run_error

Build = Callable[[Path], list[str]]
KLINE_HEADER = "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
KLINE_HEADER += "taker_buy_volume,taker_buy_quote_volume,ignore\n"


def account_text(**changes: object) -> str:
    row = {**position_row(), **changes}
    return json.dumps({"crossWalletBalance": "1000", "positions": [row]})


def klines_text(count: int, start_ms: int = 1_620_000_000_000) -> str:
    """Return ``count`` valid 1m kline rows from ``start_ms``."""
    rows = [
        f"{start_ms + 60_000 * i},60000,60100,59900,60050,10,{start_ms + 60_000 * i + 59_999},"
        "0,0,0,0,0\n"
        for i in range(count)
    ]
    return "".join(rows)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def risk_of(name: str, content: str | bytes) -> Build:
    return lambda folder: ["risk", str(write(folder, name, content))]


def market_file(option: str, content: str | bytes) -> Build:
    def build(folder: Path) -> list[str]:
        account = write(folder, "account.json", account_text())
        return ["risk", str(account), option, str(write(folder, "market.json", content))]

    return build


def klines_of(content: str | bytes, *extra: str) -> Build:
    def build(folder: Path) -> list[str]:
        path = write(folder, "klines.csv", content)
        return ["probability", "--entry", "60000", "--klines", str(path), *extra]

    return build


def replay_of(content: str | bytes, *extra: str) -> Build:
    def build(folder: Path) -> list[str]:
        path = write(folder, "klines.csv", content)
        report = folder / "report.html"
        return ["replay", str(path), "--traders", "5", "--report", str(report), *extra]

    return build


def replay_funding(content: str | bytes) -> Build:
    def build(folder: Path) -> list[str]:
        klines = write(folder, "klines.csv", klines_text(5))
        funding = write(folder, "funding.csv", content)
        report = folder / "report.html"
        argv = ["replay", str(klines), "--funding", str(funding), "--traders", "5"]
        return [*argv, "--report", str(report)]

    return build


DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
HUGE_INT = '{"crossWalletBalance": ' + "9" * 5_000 + ', "positions": []}'
BINARY = bytes(range(256)) * 4
BIG_FIELD = "1620000000000," + "1" * 200_000 + ",2,3,4,5,1620000059999\n"

HOSTILE: dict[str, tuple[Build, str]] = {
    "risk: 10,000 nested arrays": (risk_of("a.json", DEEP_ARRAY), "nested more than 64 deep"),
    "risk: 10,000 nested objects": (risk_of("a.json", DEEP_OBJECT), "nested more than 64 deep"),
    "risk: a 5000-digit integer": (risk_of("a.json", HUGE_INT), "a number of 5000 digits"),
    "risk: a 5000-digit leverage": (
        risk_of("a.json", account_text().replace('"leverage": "20"', '"leverage": ' + "9" * 5000)),
        "a number of 5000 digits",
    ),
    "risk: a 5000-digit price string": (
        risk_of("a.json", account_text(entryPrice="9" * 5000)),
        'entryPrice: "999',
    ),
    "risk: NaN": (
        risk_of("a.json", account_text().replace('"1000"', "NaN")),
        "NaN is not a number",
    ),
    "risk: Infinity": (
        risk_of("a.json", account_text().replace('"1000"', "-Infinity")),
        "-Infinity is not a number",
    ),
    "risk: a JSON number 1e999999": (
        risk_of("a.json", account_text().replace('"1000"', "1e999999")),
        "crossWalletBalance",
    ),
    "risk: a binary file": (risk_of("a.json", BINARY), "is not UTF-8 text"),
    "risk: an empty file": (risk_of("a.json", ""), "is empty"),
    "risk: a directory": (lambda folder: ["risk", str(folder)], "is a directory"),
    "risk: a missing file": (lambda folder: ["risk", str(folder / "no.json")], "does not exist"),
    "risk: a zip that is not a zip": (risk_of("a.zip", b"PK\x03\x04junk"), "is not valid JSON"),
    "risk: a negative isolated wallet": (
        risk_of("a.json", account_text(isolatedWallet="-5")),
        'isolatedWallet: "-5" must be positive',
    ),
    "risk: a leverage in superscript digits": (
        risk_of("a.json", account_text(leverage="²")),
        "is not a whole number",
    ),
    "risk: a leverage in Arabic-Indic digits": (
        risk_of("a.json", account_text(leverage="٢٠")),
        "is not a whole number",
    ),
    "risk: an amount with an underscore": (
        risk_of("a.json", account_text(positionAmt="1_000")),
        "is not a decimal number",
    ),
    "--brackets: 10,000 nested arrays": (
        market_file("--brackets", DEEP_ARRAY),
        "--brackets: ",
    ),
    "--exchange-info: 10,000 nested arrays": (
        market_file("--exchange-info", DEEP_ARRAY),
        "--exchange-info: ",
    ),
    "--brackets: a 5000-digit integer": (
        market_file("--brackets", "[" + "9" * 5000 + "]"),
        "a number of 5000 digits",
    ),
    "--exchange-info: NaN": (
        market_file("--exchange-info", '{"symbols": NaN}'),
        "NaN is not a number",
    ),
    "stress: 10,000 nested arrays": (
        lambda folder: ["stress", str(write(folder, "a.json", DEEP_ARRAY)), "--shock", "-20%"],
        "nested more than 64 deep",
    ),
    "stress: a 5000-digit integer": (
        lambda folder: ["stress", str(write(folder, "a.json", HUGE_INT)), "--shock", "-20%"],
        "a number of 5000 digits",
    ),
    "stress: a billion steps": (
        lambda folder: [
            "stress",
            str(write(folder, "a.json", account_text())),
            "--shock=-20%",
            "--steps",
            "1000000000",
        ],
        "--steps: 1000000000 is not within 1..1000",
    ),
    "stress: a 5000-digit shock": (
        lambda folder: [
            "stress",
            str(write(folder, "a.json", account_text())),
            "--shock",
            "9" * 5000,
        ],
        "--shock: ",
    ),
    "probability: a CSV field over 128 KiB": (klines_of(BIG_FIELD), "longer than 128 KiB"),
    "probability: an empty kline file": (klines_of(""), "holds no klines"),
    "probability: a binary kline file": (klines_of(BINARY), "is not UTF-8 text"),
    "probability: a zip that is not a zip": (
        klines_of(b"PK\x03\x04junk"),
        "is not a readable zip archive",
    ),
    "probability: a zero price": (
        klines_of("1620000000000,0,0,0,0,0,1620000059999\n" * 3),
        "prices must be positive",
    ),
    "probability: time going back": (
        klines_of(klines_text(3) + klines_text(1)),
        "row 4: open time 1620000000000 goes back in time",
    ),
    "probability: two klines": (klines_of(klines_text(2)), "2 klines; 3 are needed"),
    "probability: a zero --entry": (
        lambda folder: ["probability", "--entry", "0", "--volatility", "0.5"],
        '--entry: "0" must be positive',
    ),
    "probability: a zero --horizon": (
        lambda folder: ["probability", "--entry", "1", "--volatility", "0.5", "--horizon", "0m"],
        "--horizon: 0m must be more than 0",
    ),
    "probability: a --horizon in superscript": (
        lambda folder: ["probability", "--entry", "1", "--volatility", "0.5", "--horizon", "²h"],
        "is not like 30m, 8h or 7d",
    ),
    "probability: a NaN --volatility": (
        lambda folder: ["probability", "--entry", "1", "--volatility", "nan"],
        "--volatility: 'nan' is not a finite number",
    ),
    "replay: an empty file": (replay_of(""), "klines.csv: is empty"),
    "replay: a header alone": (replay_of(KLINE_HEADER), "holds no klines"),
    "replay: a file that is not klines": (
        replay_of("hello\nworld\n"),
        "is not a Binance market-data file (a first row of 1 fields: klines have 12",
    ),
    "replay: a CSV field over 128 KiB": (replay_of(BIG_FIELD), "a first row of 2 fields"),
    "replay: a binary file": (replay_of(BINARY), "is not UTF-8 text"),
    "replay: a directory": (
        lambda folder: ["replay", str(folder), "--report", str(folder / "r.html")],
        "cannot be read (Is a directory)",
    ),
    "replay: a 5000-digit open time": (
        replay_of("9" * 5000 + ",1,2,0.5,1,1,1\n"),
        "row 1: is too large (at most 18 digits)",
    ),
    "replay: microsecond times": (
        replay_of(klines_text(2, 1_620_000_000_000_000)),
        "is not epoch milliseconds",
    ),
    "replay: a negative price": (
        replay_of("1620000000000,-1,1,1,1,1,1620000059999\n"),
        "row 1: price '-1' must be positive",
    ),
    "replay: an unparseable --funding file": (
        replay_funding("garbage\nmore garbage\n"),
        "funding.csv: is not a Binance market-data file",
    ),
    "replay: an empty --funding file": (replay_funding(""), "funding.csv: is empty"),
    "replay: a --funding rate of 5": (
        replay_funding("1620000000000,8,5\n"),
        "rate '5' is not a funding rate",
    ),
    "replay: a --funding field over 128 KiB": (
        replay_funding("1620000000000,8," + "1" * 200_000 + "\n"),
        "longer than 128 KiB",
    ),
    "replay: no traders": (replay_of(klines_text(5), "--traders", "0"), "--traders: 0"),
    "replay: a NaN --speed": (replay_of(klines_text(5), "--speed", "nan"), "--speed: 'nan'"),
    "explain: a 5000-digit --from": (
        lambda folder: [
            "explain",
            str(folder / "j.sqlite"),
            "--account",
            "a",
            "--from",
            "9" * 5000,
        ],
        "--from: '9999",
    ),
    "monitor: a --key-file of 10,000 nested arrays": (
        lambda folder: [
            "monitor",
            "--key-file",
            str(write(folder, "keys.json", DEEP_ARRAY)),
            "--base-url",
            "http://127.0.0.1:9",
        ],
        "--key-file: ",
    ),
    "simulate: a NaN --crash": (
        lambda folder: ["simulate", "--journal", str(folder / "j.sqlite"), "--crash", "nan"],
        "--crash: 'nan' is not a finite number",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_malformed_input_gets_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    build, message = HOSTILE[case]

    line = run_error(capsys, *build(tmp_path))

    assert line.startswith(("liquidator: error: ", "liquidator ")), line
    assert message in line
    assert len(line) < 400


VALID: dict[str, Build] = {
    "risk: an account with a BOM and CRLF": risk_of(
        "a.json", "\ufeff" + json.dumps(json.loads(account_text()), indent=2).replace("\n", "\r\n")
    ),
    "probability: three klines with a BOM and CRLF": klines_of(
        "\ufeff" + klines_text(3).replace("\n", "\r\n")  # the first row is no header
    ),
    "replay: klines with a BOM and CRLF, funding with a header": lambda folder: [
        *replay_of("\ufeff" + klines_text(30).replace("\n", "\r\n"))(folder),
        "--funding",
        str(
            write(
                folder,
                "funding.csv",
                "calc_time,funding_interval_hours,last_funding_rate\r\n1620000000000,8,0.0001\r\n",
            )
        ),
    ],
}


@pytest.mark.parametrize("case", list(VALID))
def test_valid_files_with_a_byte_order_mark_or_crlf_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    status = main([*VALID[case](tmp_path), "--json"])

    assert status == 0, capsys.readouterr().err


def test_zipped_klines_still_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "klines.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("BTCUSDT-1m.csv", KLINE_HEADER + klines_text(30))

    status = main(["probability", "--entry", "60000", "--klines", str(archive), "--json"])

    assert status == 0, capsys.readouterr().err


def run_process(*argv: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run the ``liquidator`` script (bytes out: the output of a non-UTF-8 name is checked)."""
    script = Path(sys.executable).parent / "liquidator"
    return subprocess.run(
        [str(script), *argv], capture_output=True, check=False, timeout=120, cwd=cwd
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("entryPrice", "0e99999999", b'entryPrice: "0e99999999" must be positive'),
        ("markPrice", "1e-99999999", b'markPrice: "1e-99999999" has more than 8 decimal places'),
    ],
)
def test_a_number_with_a_huge_exponent_is_refused_at_once(
    tmp_path: Path, field: str, value: str, message: bytes
) -> None:
    account = write(tmp_path, "account.json", account_text(**{field: value}))

    result = run_process("risk", str(account), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.count(b"\n") == 1
    assert message in result.stderr


def test_a_file_name_that_is_not_utf8_is_printed_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"account-\xff.json")
    write(tmp_path, name, account_text())

    stress = run_process("stress", name, "--shock", "-20%", cwd=tmp_path)
    missing = run_process("risk", os.fsdecode(b"gone-\xfe.json"), cwd=tmp_path)

    assert stress.returncode == 0, stress.stderr
    assert b"account-\\xff.json" in stress.stdout
    assert missing.returncode == 2
    assert missing.stderr.count(b"\n") == 1
    assert b"gone-\\\\xfe.json" in missing.stderr  # JSON-quoted: the backslash doubled


def test_replay_of_an_empty_file_in_a_real_process_is_one_line(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.csv", "")

    result = run_process("replay", str(empty), "--traders", "5", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr == f"liquidator: error: {empty}: is empty\n".encode()
    assert not (tmp_path / "replay-report.html").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--price-file", "binary.csv"], b"--price-file: binary.csv: is not UTF-8 text"),
        (["--price-file", "empty.csv"], b"--price-file: empty.csv: holds no klines"),
        (["--price-speed", "nan"], b"a positive speed"),
        (["--walk-bps", "nan"], b"--walk-bps: 'nan' is not a finite number"),
        (["--port", "99999"], b"--port: 99999 is not within 0..65535"),
        (["--weight-limit", "-1"], b"--weight-limit: -1 is not within"),
        (["--simulated-time", "9" * 24], b"--simulated-time: '9999"),
    ],
)
def test_serve_refuses_a_bad_price_file_or_speed_before_it_starts(
    tmp_path: Path, flags: list[str], message: bytes
) -> None:
    write(tmp_path, "binary.csv", BINARY)
    write(tmp_path, "empty.csv", "")

    result = run_process("serve", "--db", "exchange.sqlite", "--port", "0", *flags, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.count(b"\n") == 1, result.stderr
    assert message in result.stderr
