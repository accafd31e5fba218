"""liquidator: exact risk and liquidation engine for leveraged crypto perpetual futures."""

__version__ = "0.1.0"
