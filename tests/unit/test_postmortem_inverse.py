"""The post-mortem's inverse (COIN-M) positions: rebuilt from fills as the exchange core settles
them, with the worked example of a BTCUSD_PERP long (100 contracts of 100 USD, margined in BTC).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liquidator.bootstrap import bundled_market
from liquidator.core.exchange.account_state import PositionState
from liquidator.core.exchange.settlement import _apply as settle
from liquidator.core.margin.position import PositionSide
from liquidator.core.margin.unit import IntTiers
from liquidator.core.money.scaled import SCALE
from liquidator.postmortem.figures import bankruptcy, liquidation_price, tiers_of
from liquidator.postmortem.positions import Leg, isolated_wallet
from liquidator.postmortem.records import Fill

SYMBOL = "BTCUSD_PERP"
MARKET = bundled_market()
TIERS: IntTiers = tiers_of(MARKET, SYMBOL)
COIN16 = 100 * SCALE * SCALE  # 100 USD a contract


def fill(side: str, contracts: int, price: str, trade_id: int = 1) -> Fill:
    whole, _, cents = price.partition(".")
    raw = int(whole) * SCALE + int((cents + "0" * 8)[:8])
    return Fill(trade_id, SYMBOL, side, "BOTH", raw, contracts * SCALE, 0, 0, trade_id, trade_id)


def test_an_inverse_long_is_rebuilt_in_coin_with_its_margin_and_prices() -> None:
    leg = Leg(SYMBOL, "BOTH", coin16=COIN16)
    leg.apply(fill("BUY", 100, "60006"))

    assert TIERS.is_inverse
    assert leg.entry() == 60006 * SCALE
    assert leg.cost == 100 * SCALE * COIN16 // (60006 * SCALE)  # 0.16665 BTC, 10**-16
    assert leg.pnl16(54714_50000000) // SCALE == -1611691  # 10,000 x (1/60006 - 1/54714.5) BTC
    wallet = isolated_wallet(leg, [], 10)
    assert wallet == 1666501  # ceil(0.1666500 BTC / 10)
    assert bankruptcy(wallet, [leg], {}, leg, MARKET) == 54550_90616470  # wallet + PnL = 0
    # exactly, wallet + PnL = 0.4% of 10,000 / P: P = 10,040 / (wallet + 10,000 / 60006);
    # the engine's check counts whole 10**-8 BTC, each worth P**2 / 10**4 x 10**-8 USD of mark
    # (0.003 here): the last mark it finds breached is at most a few of those above the root
    exact = 54769_11018173
    unit = 300_000
    assert exact <= liquidation_price(wallet, [leg], {}, SYMBOL, MARKET) <= exact + 3 * unit


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["BUY", "SELL"]), st.integers(1, 500), st.integers(20_000, 90_000)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_leg_settles_every_fill_as_the_exchange_core(
    fills: list[tuple[str, int, int]],
) -> None:
    leg = Leg(SYMBOL, "BOTH", coin16=COIN16)
    core = PositionState("a", SYMBOL, PositionSide.BOTH)
    for number, (side, contracts, price) in enumerate(fills):
        traded = fill(side, contracts, str(price), number + 1)
        closed, _ = leg.apply(traded)
        core_closed, _ = settle(core, traded.signed, traded.price, TIERS)
        assert (leg.quantity, leg.cost, closed) == (core.quantity, core.cost, core_closed)
        assert leg.entry() == TIERS.entry_price(core.quantity, core.cost)
        assert leg.pnl16(traded.price) == TIERS.pnl16(core.quantity, core.cost, traded.price)
