"""The risk engine: the index of margin units, the sweep on every price move, the liquidation
waterfall, the insurance funds and auto-deleveraging."""
