"""python-binance's futures multiplex socket against a live server: names come back as asked."""

from __future__ import annotations

from tests.e2e.conftest import LiveServer, run_story


def test_python_binance_multiplex_socket_gets_every_stream_under_its_exact_name(
    server: LiveServer,
) -> None:
    story = run_story("python-binance", "python_binance_streams_story.py", server)

    assert story["streams"] == [
        "!miniTicker@arr",
        "btcusdt@markPrice",
        "btcusdt@markPrice@1s",
        "btcusdt@miniTicker",
        "btcusdt@ticker",
    ]
    mark = story["mark"]
    assert (mark["e"], mark["s"]) == ("markPriceUpdate", "BTCUSDT")
    assert len(mark["p"].split(".")[1]) == 8  # mark prices with 8 decimals, as Binance
