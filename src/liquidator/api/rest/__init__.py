"""The REST API: routes as data and their handlers, in Binance's shapes and codes."""
