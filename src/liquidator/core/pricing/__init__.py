"""Prices as time passes: index, mark (Binance's median rule), last, samples and funding."""
