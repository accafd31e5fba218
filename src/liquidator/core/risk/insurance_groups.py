"""The insurance funds: which symbols share one, what it may take over, how it unwinds.

Binance keeps one fund for BTCUSDT, one for ETHUSDT and one shared by every other USDⓈ-M
perpetual (binance-mechanics §8); ``InsuranceConfig.own_funds`` says which symbols have their
own. A fund is a venue-owned account named ``@insurance:<group>``: its wallet is a ledger
balance (seeded by a deposit from ``@external``, so funds stay conserved), it receives the
clearance fees, pays for bankruptcies, holds the positions it takes over at the bankruptcy
price and unwinds them into the book with its own IOC orders, never below the mark.

Capacity (binance-mechanics §8, "max net notional position check"): a fund takes over a
position only while the notional it holds in its group, at the bankruptcy price, stays within
``capacity_rate`` times its margin balance; what it cannot take goes to auto-deleveraging.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from liquidator.core.money.scaled import SCALE

FUND_PREFIX: Final = "@insurance:"
SHARED_GROUP: Final = "shared"


@dataclass(frozen=True, slots=True)
class InsuranceConfig:
    """How the insurance funds are grouped, seeded and run (rates raw: 1.0 = 10**8)."""

    own_funds: tuple[str, ...] = ("BTCUSDT", "ETHUSDT")
    seed: int = 1_000_000 * SCALE  # deposited into every fund when the venue opens
    capacity_rate: int = SCALE  # notional held <= 100% of the fund's margin balance
    unwind_rate: int = 10 * SCALE // 100  # share of each held position offered per sample tick

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError("the insurance fund seed must not be negative")
        if not self.capacity_rate >= 0:
            raise ValueError("the capacity rate must not be negative")
        if not 0 < self.unwind_rate <= SCALE:
            raise ValueError("the unwind rate must be within (0, 1]")

    def group_of(self, symbol: str) -> str:
        """Return the fund group of ``symbol``."""
        return symbol if symbol in self.own_funds else SHARED_GROUP

    def fund_of(self, symbol: str) -> str:
        """Return the account name of the fund that backs ``symbol``."""
        return FUND_PREFIX + self.group_of(symbol)


def is_fund(account: str) -> bool:
    return account.startswith(FUND_PREFIX)
