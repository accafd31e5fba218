"""Contract specifications: what one unit of quantity is worth and how it may be traded.

Linear (USD-M) contracts are quoted and margined in the quote asset: one unit of quantity is one
unit of base, worth ``price`` quote. Inverse (COIN-M) contracts are margined in the coin: one
contract is worth ``contract_size`` USD, i.e. ``contract_size / price`` coin.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from liquidator.core.money.fixed import Amount, Price, Qty, Rate


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """Binance's symbol filters beyond tick and step; a 0 means "no such limit".

    Raw values at the fixed scale. ``percent_up``/``percent_down`` are PERCENT_PRICE's
    multipliers of the mark price (1.05 -> 105_000_000); ``market_take_bound`` is how far from the
    mark a market order may trade (0.05); ``trigger_protect`` is the largest mark/last gap at which
    a ``priceProtect`` order still triggers.
    """

    min_price: int = 0
    max_price: int = 0
    max_qty: int = 0
    market_min_qty: int = 0
    market_max_qty: int = 0
    percent_up: int = 0
    percent_down: int = 0
    max_open_orders: int = 200
    max_algo_orders: int = 10
    market_take_bound: int = 0
    trigger_protect: int = 0


class ContractKind(Enum):
    LINEAR = "linear"
    INVERSE = "inverse"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One perpetual contract, as Binance's exchangeInfo describes it."""

    symbol: str
    kind: ContractKind
    base_asset: str
    quote_asset: str
    margin_asset: str
    tick_size: Price
    step_size: Qty
    min_qty: Qty
    min_notional: Amount | None
    liquidation_fee_rate: Rate
    contract_size: int = 1
    filters: OrderFilters = OrderFilters()

    def __post_init__(self) -> None:
        if self.tick_size.raw <= 0 or self.step_size.raw <= 0:
            raise ValueError(f"{self.symbol}: tick and step sizes must be positive")
        if self.contract_size < 1:
            raise ValueError(f"{self.symbol}: contract size must be at least 1")
        if self.kind is ContractKind.LINEAR and self.contract_size != 1:
            raise ValueError(f"{self.symbol}: a linear contract has contract size 1")

    @property
    def is_inverse(self) -> bool:
        return self.kind is ContractKind.INVERSE

    def is_on_step(self, quantity: Qty) -> bool:
        """Tell whether ``quantity`` is a whole number of steps."""
        return quantity.raw % self.step_size.raw == 0

    def value(self, quantity: Fraction, price: Fraction) -> Fraction:
        """Return the exact value of ``quantity`` at ``price`` in the margin asset.

        Linear: ``quantity * price``. Inverse: ``quantity * contract_size / price``.
        The sign of ``quantity`` is kept.
        """
        if self.kind is ContractKind.LINEAR:
            return quantity * price
        return quantity * self.contract_size / price

    def pnl(self, quantity: Fraction, entry: Fraction, price: Fraction) -> Fraction:
        """Return the exact profit of signed ``quantity`` from ``entry`` to ``price``.

        Linear: ``q * (P - E)``. Inverse: ``q * contract_size * (1/E - 1/P)`` (coin).
        """
        if self.kind is ContractKind.LINEAR:
            return quantity * (price - entry)
        return quantity * self.contract_size * (1 / entry - 1 / price)
