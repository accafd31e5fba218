"""Benchmark: exact liquidation prices against the float closed form, on the same positions.

Runs on an installed checkout (``python benchmarks/liquidation_price.py``). The baseline is the
formula most tools use (freqtrade's ``dry_run_liquidation_price``: binary floats, the bracket at
entry, no re-check at the liquidation price). Prints a table, then one JSON line with the headline
figures: exact prices per second, the baseline's, the slowdown, and the baseline's worst error.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.brackets import BracketTable
from liquidator.core.margin.account import Account
from liquidator.core.margin.account_risk import assess_account
from liquidator.core.margin.liquidation_price import SharedMargin, liquidation_price
from liquidator.core.margin.position import MarginType, Position, PositionSide
from liquidator.core.margin.position_margin import opening_margin
from liquidator.core.money.fixed import Amount, Price, Qty

POSITIONS = 5_000
SEED = 20241025


def make_positions(count: int) -> list[Position]:
    """Return isolated BTCUSDT positions of random size, side, entry and leverage (seeded)."""
    market = bundled_market()
    instrument = market.instruments["BTCUSDT"]
    table = market.brackets["BTCUSDT"]
    chooser = random.Random(SEED)
    positions = []
    for _ in range(count):
        steps = chooser.randint(1, 200_000)  # 0.001 .. 200 BTC
        entry_cents = chooser.randint(1_000_000, 12_000_000)  # 10,000 .. 120,000 USDT
        quantity = Qty(steps * 100_000 * chooser.choice((1, -1)))
        entry = Price(entry_cents * 1_000_000)
        notional = abs(quantity.fraction) * entry.fraction
        leverage = chooser.randint(1, table.max_leverage_at(notional))
        probe = Position(
            instrument, PositionSide.BOTH, quantity, entry, entry, MarginType.CROSS, leverage
        )
        wallet = opening_margin(probe)
        positions.append(
            Position(
                instrument,
                PositionSide.BOTH,
                quantity,
                entry,
                entry,
                MarginType.ISOLATED,
                leverage,
                wallet,
            )
        )
    return positions


def exact(positions: list[Position], table: BracketTable) -> list[Fraction | None]:
    result: list[Fraction | None] = []
    for position in positions:
        assert position.isolated_wallet is not None
        price = liquidation_price(
            [position], [table], SharedMargin.isolated(position.isolated_wallet)
        ).price
        result.append(price.fraction if price else None)
    return result


def float_baseline(positions: list[Position], table: BracketTable) -> list[float]:
    """freqtrade's closed form in floats, bracket at the entry notional, no re-check."""
    floors = [float(b.floor.to_decimal()) for b in table.brackets]
    rates = [float(b.maintenance_margin_rate.to_decimal()) for b in table.brackets]
    cums = [float(b.maintenance_amount.to_decimal()) for b in table.brackets]
    result = []
    for position in positions:
        assert position.isolated_wallet is not None
        quantity = float(position.quantity.to_decimal())
        entry = float(position.entry_price.to_decimal())
        wallet = float(position.isolated_wallet.to_decimal())
        side = 1.0 if quantity > 0 else -1.0
        size = abs(quantity)
        tier = max(i for i, floor in enumerate(floors) if floor <= size * entry)
        result.append(
            (wallet + cums[tier] - side * size * entry) / (size * rates[tier] - side * size)
        )
    return result


def timed(run: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    market = bundled_market()
    table = market.brackets["BTCUSDT"]
    positions = make_positions(POSITIONS)
    exact_seconds = timed(lambda: exact(positions, table))
    float_seconds = timed(lambda: float_baseline(positions, table))
    exact_prices = exact(positions, table)
    float_prices = float_baseline(positions, table)
    worst, wrong_tier = Decimal(0), 0
    for precise, approximate in zip(exact_prices, float_prices, strict=True):
        if precise is None:
            continue
        error = abs(Decimal(repr(approximate)) - Decimal(precise.numerator) / precise.denominator)
        worst = max(worst, error)
        wrong_tier += error > Decimal("0.01")
    account = Account(Amount.zero("USDT"), tuple(positions[:1]))
    report_seconds = timed(lambda: [assess_account(account, market.brackets) for _ in range(1000)])

    rows = [
        ("exact liquidation price (Fraction, tier re-check)", POSITIONS / exact_seconds),
        ("baseline: float closed form, bracket at entry", POSITIONS / float_seconds),
        ("exact full report of a 1-position account", 1000 / report_seconds),
    ]
    print(f"{'what':52} {'per second':>14}")
    for name, rate in rows:
        print(f"{name:52} {rate:14,.0f}")
    print(
        f"baseline worst error vs exact: {worst:.8f} USDT; off by more than a cent: "
        f"{wrong_tier} of {POSITIONS}"
    )
    print(
        json.dumps(
            {
                "benchmark": "liquidation_price",
                "positions": POSITIONS,
                "exact_per_second": round(POSITIONS / exact_seconds),
                "float_baseline_per_second": round(POSITIONS / float_seconds),
                "slowdown_vs_float": round(float_seconds and exact_seconds / float_seconds, 1),
                "reports_per_second": round(1000 / report_seconds),
                "float_worst_error_usdt": str(worst.quantize(Decimal("0.00000001"))),
                "float_off_by_more_than_a_cent": wrong_tier,
            }
        )
    )


if __name__ == "__main__":
    main()
