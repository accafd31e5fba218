"""The margin model: notional, PnL, initial and maintenance margin by bracket, margin ratio,
liquidation and bankruptcy prices, for one position, a cross account and hedge pairs; exact
(``Fraction`` and fixed point) for the calculator, raw integers for the engine's hot paths."""
