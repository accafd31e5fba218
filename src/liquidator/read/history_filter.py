"""The filters Binance's history endpoints share: a time window, a row limit, served accounts.

Every history (orders, fills, income, forced orders) is queried by an account, an optional
symbol, an inclusive time range in ms and a row limit; the stores answer with the rows in the
order they happened. Command times never go back (the live exchange takes the later of its
clock and the last command's time), so the order rows happened in is also their time order.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_PREFIX = "@"  # venue-owned accounts: the market maker, the insurance funds, @external


@dataclass(frozen=True, slots=True)
class Window:
    """Rows from ``start_ms`` to ``end_ms`` (inclusive, either open), at most ``limit``."""

    start_ms: int | None = None
    end_ms: int | None = None
    limit: int = 500

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"a history limit is at least 1, got {self.limit}")


def is_served(account: str) -> bool:
    """Tell whether ``account`` is a user's: no API key reads a system account's history.

    The market maker alone places several orders per command; keeping none of the system
    accounts' orders, fills and income is most of what a history would otherwise write.
    """
    return not account.startswith(SYSTEM_PREFIX)
