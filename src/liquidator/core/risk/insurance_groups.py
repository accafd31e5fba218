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

Seed: every fund is opened worth ``seed`` USDT in each margin asset of its group. A
stablecoin-margined fund (USDⓈ-M: USDT, USDC...) gets ``seed`` itself, at par; a coin-margined
one (COIN-M: BTC, ETH...) gets its worth in the coin at the coin's reference price in
``seed_prices`` (USDT per coin), ``floor(seed x 10^8 / price)``: rounded down, against the fund,
which never opens worth more than stated. The venue opens before any price is known, so the
reference prices are given with the configuration (the composition roots pass the prices their
venue starts at; ``DEFAULT_SEED_PRICES`` otherwise). ``ANY_COIN`` prices every coin not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from liquidator.core.money.scaled import SCALE

FUND_PREFIX: Final = "@insurance:"
SHARED_GROUP: Final = "shared"
ANY_COIN: Final = "*"
#: USDT per coin (raw) valuing a coin-margined fund's seed: the server's start prices.
DEFAULT_SEED_PRICES: Final = (("BTC", 60_000 * SCALE), ("ETH", 3_000 * SCALE))
#: What journals written before ``seed_prices`` existed ran with: every coin seeded with the
#: raw ``seed`` (a 1,000,000 USDT seed opened a fund of 1,000,000 BTC), i.e. a price of 1.
LEGACY_SEED_PRICES: Final = ((ANY_COIN, SCALE),)


@dataclass(frozen=True, slots=True)
class InsuranceConfig:
    """How the insurance funds are grouped, seeded and run (rates raw: 1.0 = 10**8)."""

    own_funds: tuple[str, ...] = ("BTCUSDT", "ETHUSDT")
    seed: int = 1_000_000 * SCALE  # each fund's worth in USDT when the venue opens
    seed_prices: tuple[tuple[str, int], ...] = DEFAULT_SEED_PRICES  # coin -> USDT per coin
    capacity_rate: int = SCALE  # notional held <= 100% of the fund's margin balance
    unwind_rate: int = 10 * SCALE // 100  # share of each held position offered per sample tick

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError("the insurance fund seed must not be negative")
        coins = [coin for coin, _ in self.seed_prices]
        if len(set(coins)) != len(coins):
            raise ValueError("a coin has two seed prices")
        if any(price <= 0 for _, price in self.seed_prices):
            raise ValueError("a seed price must be positive")
        if not self.capacity_rate >= 0:
            raise ValueError("the capacity rate must not be negative")
        if not 0 < self.unwind_rate <= SCALE:
            raise ValueError("the unwind rate must be within (0, 1]")

    def seed_in(self, asset: str, *, coin_margined: bool) -> int:
        """Return the seed (raw, in ``asset``) of a fund margined in ``asset``.

        Stablecoin-margined: ``seed``. Coin-margined: ``floor(seed x 10^8 / price)`` at the
        coin's reference price (or ``ANY_COIN``'s); ``ValueError`` if it has none.
        """
        if not coin_margined:
            return self.seed
        prices = dict(self.seed_prices)
        price = prices.get(asset, prices.get(ANY_COIN))
        if price is None:
            raise ValueError(f"no seed price for the {asset} insurance fund (seed_prices)")
        return self.seed * SCALE // price  # floor: against the fund

    def group_of(self, symbol: str) -> str:
        """Return the fund group of ``symbol``."""
        return symbol if symbol in self.own_funds else SHARED_GROUP

    def fund_of(self, symbol: str) -> str:
        """Return the account name of the fund that backs ``symbol``."""
        return FUND_PREFIX + self.group_of(symbol)


def is_fund(account: str) -> bool:
    return account.startswith(FUND_PREFIX)
