"""Market data from files and feeds: Binance's public-data CSVs, captures, live streams."""
