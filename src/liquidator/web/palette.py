"""The colours every page shares: Okabe and Ito's colour-blind-safe palette, one meaning each.

The dashboard's CSS (``static/dashboard.css``) uses the same values; a long is blue, a short
orange, a liquidation vermillion, on every chart, and always with a word or a shape beside it.
"""

from __future__ import annotations

BLUE = "#0072b2"
SKY_BLUE = "#56b4e9"
ORANGE = "#e69f00"
GREEN = "#009e73"
YELLOW = "#f0e442"
VERMILLION = "#d55e00"
PURPLE = "#cc79a7"
INK = "#1b1f24"
GRID = "#e6e9ed"

MARK = BLUE
INDEX = PURPLE
LAST = GREEN
LONG = SKY_BLUE
SHORT = ORANGE
ENTRY = BLUE
LIQUIDATION = VERMILLION
BANKRUPTCY = PURPLE
STOP = GREEN
BUY = GREEN
SELL = BLUE
FUND = GREEN
SERIES = (BLUE, ORANGE, GREEN, PURPLE, VERMILLION, SKY_BLUE)  # one per symbol, in order
SEQUENTIAL = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")  # viridis: counts, quantiles
