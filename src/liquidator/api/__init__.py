"""The local Binance-compatible futures exchange: a FastAPI adapter over the engine."""
