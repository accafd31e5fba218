"""ccxt.pro against a live server: a book kept from the depth stream while orders flow."""

from __future__ import annotations

from tests.e2e.conftest import LiveServer, run_story


def test_ccxtpro_keeps_the_rest_book_from_the_depth_stream_while_orders_flow(
    server: LiveServer,
) -> None:
    story = run_story("ccxt", "ccxtpro_story.py", server)

    for speed, updates in (("0ms", 1000), ("100ms", 30)):
        result = story[speed]
        assert result["errors"] == [], speed  # no checksum or sequence error
        assert result["updates"] == updates
        assert result["equal"], speed  # the watched book is the REST book at the end
        assert min(result["levels"]) > 0
