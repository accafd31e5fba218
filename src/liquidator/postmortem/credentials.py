"""The API key and secret: ``BINANCE_API_KEY``/``BINANCE_API_SECRET`` or a key file.

A key file holds the key on its first line and the secret on its second (or the lines
``BINANCE_API_KEY=...`` and ``BINANCE_API_SECRET=...``). Neither is ever printed.
"""

from __future__ import annotations

import os
from pathlib import Path

from liquidator.adapters.input_files import printable
from liquidator.postmortem.records import PostmortemError

KEY, SECRET = "BINANCE_API_KEY", "BINANCE_API_SECRET"
MAX_KEY_FILE = 16_384


def credentials(key_file: Path | None) -> tuple[str, str]:
    """Return (key, secret) from the key file if given, else from the environment."""
    if key_file is not None:
        return _from_file(key_file)
    key, secret = os.environ.get(KEY, "").strip(), os.environ.get(SECRET, "").strip()
    if not key or not secret:
        raise PostmortemError(f"no API key: set {KEY} and {SECRET}, or pass --key-file")
    return key, secret


def _from_file(path: Path) -> tuple[str, str]:
    shown = printable(path)
    try:
        data = path.read_bytes()[: MAX_KEY_FILE + 1]
    except OSError as error:
        raise PostmortemError(f"--key-file: {shown} cannot be read ({error.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PostmortemError(f"--key-file: {shown} is not UTF-8 text") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = dict(line.split("=", 1) for line in lines if "=" in line)
    key = named.get(KEY, lines[0] if lines and "=" not in lines[0] else "").strip()
    secret = named.get(SECRET, lines[1] if len(lines) > 1 and "=" not in lines[1] else "").strip()
    if len(data) > MAX_KEY_FILE or not key or not secret or not (key + secret).isprintable():
        raise PostmortemError(f"--key-file: {shown} must hold the API key and secret, one a line")
    return key, secret
