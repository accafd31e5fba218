# mypy: ignore-errors
# (run by freqtrade in its own venv: pandas and freqtrade are not installed in the tree's)
"""A freqtrade strategy for the end-to-end test: long at 20x on the first closed 1m candle.

Candle-driven like any strategy (it sees nothing until the exchange serves candles); it never
exits on a signal, so the trade ends by freqtrade's liquidation stop or by the exchange's
liquidation after ``/admin/crash``.
"""

from __future__ import annotations

from typing import Any

from freqtrade.strategy import IStrategy
from pandas import DataFrame


class CandleLong(IStrategy):
    INTERFACE_VERSION = 3
    can_short = False
    timeframe = "1m"
    startup_candle_count = 200
    minimal_roi = {"0": 100.0}  # noqa: RUF012 (freqtrade reads class attributes) never take profit
    stoploss = -0.99  # the liquidation stop comes first
    process_only_new_candles = True

    def populate_indicators(self, dataframe: DataFrame, metadata: dict[str, Any]) -> DataFrame:
        dataframe["sma"] = dataframe["close"].rolling(200).mean()  # needs the past candles
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict[str, Any]) -> DataFrame:
        dataframe["enter_long"] = dataframe["sma"].notna().astype(int)
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict[str, Any]) -> DataFrame:
        dataframe["exit_long"] = 0
        return dataframe

    def leverage(
        self,
        pair: str,
        current_time: Any,
        current_rate: float,
        proposed_leverage: float,
        max_leverage: float,
        entry_tag: str | None,
        side: str,
        **kwargs: Any,
    ) -> float:
        return 20.0
