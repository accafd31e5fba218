"""``liquidator monitor``: a live account's positions, their exact risk, and alerts.

The use case holds no network code: the REST start state arrives as a :class:`Snapshot`, the
streams as :mod:`events`, through the ports of :mod:`ports`; the adapters (Binance's client
library, the notification channels) and the command line wire them together.
"""
