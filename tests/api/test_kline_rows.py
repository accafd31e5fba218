"""Klines written once per closed candle: the open one still moves with each trade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liquidator.bootstrap.server import create_app
from tests.api.conftest import limit_order, open_account, quiet_settings


@pytest.fixture
def with_history() -> Iterator[TestClient]:
    settings = quiet_settings(history_days=0.01)  # 14 past minutes
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def klines(client: TestClient) -> list[list[Any]]:
    params: dict[str, str | int] = {"symbol": "BTCUSDT", "interval": "1m", "limit": 5}
    rows: list[list[Any]] = client.get("/fapi/v1/klines", params=params).json()
    return rows


def test_a_trade_moves_the_open_candle_and_leaves_the_closed_ones(
    with_history: TestClient,
) -> None:
    alice, bob = open_account(with_history, "alice"), open_account(with_history, "bob")
    before = klines(with_history)  # the same rows twice: the closed ones come from the cache
    assert klines(with_history) == before
    limit_order(bob, side="SELL", price="61234.5", quantity="0.01")
    limit_order(alice, side="BUY", price="61234.5", quantity="0.01")

    after = klines(with_history)

    assert len(before) == len(after) == 5
    assert after[-1][4] == "61234.50"  # the open candle closes at the last trade
    earlier = {row[0]: row for row in before}
    unchanged = [row for row in after[:-1] if row[0] in earlier]
    assert len(unchanged) >= 3
    assert unchanged == [earlier[row[0]] for row in unchanged]
