"""A stateful machine over random command sequences, checking the exchange's invariants.

Random accounts, deposits, withdrawals, settings, orders of every type, cancels, index moves and
time (funding included) go through a journaled :class:`Exchange` that snapshots every 7 commands,
once with the built-in market maker and once without. After every command:

* the ledger sums to zero per asset, and the money inside equals what came in minus what left;
* positions net to zero per symbol, and the derived indexes agree with what they index;
* a command rejected with no time passing left the state hash unchanged;
* no user wallet is moved by another account's entry; ``@fees`` and ``@funding`` never go negative;
* the state survives a JSON round trip, a restart from the latest snapshot and a replay from zero;
* the positions an account reports (what the API lists) are exactly those the engine holds and
  charges margin for, whatever mix of settings (position mode, margin type, leverage, isolated
  margin) and restarts came before.

A ``restart`` rule swaps the live exchange for one reopened from the journal alone, so later
commands run on restored state.
"""

from __future__ import annotations

import json
from functools import cache

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from liquidator.app.exchange import Exchange
from liquidator.app.journal import MemoryJournal
from liquidator.bootstrap import bundled_market
from liquidator.core.contracts.market import Market
from liquidator.core.engine import Engine, Outcome
from liquidator.core.exchange.codec import decode_event, record_type
from liquidator.core.exchange.commands import (
    AdvanceTime,
    AmendOrder,
    CancelAllOrders,
    CancelOrder,
    Command,
    Deposit,
    ModifyIsolatedMargin,
    OpenAccount,
    PlaceOrder,
    SetFundingRate,
    SetIndexPrice,
    SetLeverage,
    SetMarginType,
    SetMarkPrice,
    SetPositionMode,
    Withdraw,
)
from liquidator.core.exchange.events import FundingSettled, LiquidationTriggered, OrderAccepted
from liquidator.core.exchange.ledger import EXTERNAL, FEES, FUNDING, LedgerPosted
from liquidator.core.exchange.maker_quotes import MarketMakerConfig
from liquidator.core.exchange.orders import (
    OrderType,
    SelfTradePrevention,
    Side,
    TimeInForce,
    WorkingType,
)
from liquidator.core.exchange.venue import VenueConfig
from liquidator.core.margin.position import MarginType, PositionSide
from liquidator.core.margin.pretrade import cross_figures, position_initial_margin, unrealized
from liquidator.core.money.fixed import SCALE, Amount, Price, Qty, Rate
from liquidator.core.risk.insurance_groups import is_fund
from liquidator.core.risk.venue_units import unit, unit_figures, unit_key

T0_MS = 1_700_000_000_000
HOUR_MS = 3_600_000
SNAPSHOT_EVERY = 7
REPLAY_FROM_ZERO_EVERY = 5
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BTCUSD_PERP")  # BTCUSD_PERP: inverse, contracts, BTC margin
START_INDEX = {"BTCUSDT": 60_000 * SCALE, "ETHUSDT": 3_000 * SCALE, "BTCUSD_PERP": 60_000 * SCALE}
ASSETS = st.sampled_from(("USDT", "USDT", "BTC"))
ASSET_UNIT = {"USDT": 1, "BTC": 10**4}  # a random USDT amount / this: a like BTC amount
NAMES = ("alice", "bob", "carol")
BAD_NAMES = ("", "bad name", "x" * 65, "@market-maker", "alice/BTCUSDT/BOTH")
CLIENT_IDS = ("c1", "c2", "c3")
BAD_CLIENT_IDS = ("bad id!", "autoclose-1", "x" * 37)

WAITS = st.one_of(st.just(0), st.integers(1, 4_000))  # half the commands at the same ms
TRADERS = st.sampled_from(("alice", "bob", "alice", "bob", "carol"))
ANYONE = st.sampled_from((*NAMES, "dave"))  # dave never opens
SYMBOL = st.sampled_from(SYMBOLS)
ANY_SYMBOL = st.one_of(SYMBOL, st.sampled_from(("BTCUSD_PERP", "XRPUSDT")))  # XRP: unlisted
AMOUNTS = st.one_of(
    st.integers(1, 20_000 * SCALE),
    st.integers(1, 2_000 * SCALE),
    st.sampled_from((0, -SCALE)),
    st.integers(10**6 * SCALE, 10**8 * SCALE),
)
SIDES = st.sampled_from(Side)
LEVERAGES = st.one_of(st.integers(1, 5), st.integers(0, 150))  # low ones test the margin
BPS = st.integers(-250, 250)
STOP_BPS = st.integers(-80, 80)  # index nudges reach these now and then
STEPS = st.one_of(st.integers(1, 50), st.integers(50, 3_000))
TIFS = st.sampled_from(TimeInForce)
STPS = st.sampled_from(SelfTradePrevention)
WORKING = st.sampled_from(WorkingType)
RARELY = st.sampled_from((False, False, False, True))
MOSTLY = st.sampled_from((True, True, True, False))
CALLBACK = st.integers(5, 1_100).map(lambda n: n * 10**6)  # 0.05% .. 11%: some out of range
CLIENT = st.one_of(st.none(), st.sampled_from(CLIENT_IDS))
ANY_CLIENT = st.one_of(CLIENT, st.sampled_from(BAD_CLIENT_IDS))
MANGLES = st.sampled_from(
    ("none",) * 6 + ("off_tick", "off_step", "zero_qty", "huge_qty", "far_price")
)


@cache
def market() -> Market:
    return bundled_market()


def snap(raw: int, tick: int) -> int:
    """Return ``raw`` down to the tick, at least one tick."""
    return max(tick, raw // tick * tick)


def offset(mark: int, bps: int) -> int:
    return mark * (10_000 + bps) // 10_000


def ledger_owner(ledger_account: str) -> str:
    """Return the account a ledger account belongs to (``alice/BTCUSDT/BOTH`` -> ``alice``)."""
    return ledger_account.split("/", 1)[0]


def replay_hash(config: VenueConfig, journal: MemoryJournal) -> str:
    """Open an exchange on ``journal`` (latest snapshot + replay, verified); return its hash."""
    return Exchange.open(market(), config, journal, verify=True).engine.state_hash()


class EngineMachine(RuleBasedStateMachine):
    """Random commands through a journaled exchange with the market maker (3 levels)."""

    config = VenueConfig(market_maker=MarketMakerConfig(levels=3))

    def __init__(self) -> None:
        super().__init__()
        self.journal = MemoryJournal()
        self.exchange = Exchange(
            Engine(market(), self.config), self.journal, snapshot_every=SNAPSHOT_EVERY
        )
        self.now_ms = T0_MS
        self.order_ids: list[int] = []
        self.checked_seq = 0  # journal records already checked for foreign wallet moves
        self.in_flight = False  # a command is being handled (so teardown has nothing to check)
        # deposits - withdrawals, by asset: the venue's own (market maker, insurance seeds) first
        ledger = self.engine.venue.ledger
        self.inside: dict[str, int] = {
            asset: -ledger.balance(EXTERNAL, asset) for asset in ledger.totals()
        }

    @property
    def engine(self) -> Engine:
        return self.exchange.engine

    # --- submitting -----------------------------------------------------------------------------

    def submit(self, command: Command, wait_ms: int) -> Outcome:
        """Submit at ``now + wait_ms``; a rejection at an unchanged clock must change nothing."""
        self.now_ms += wait_ms
        self.in_flight = True
        same_time = self.engine.venue.now_ms == self.now_ms
        before = self.engine.state_hash() if same_time else None
        outcome = self.exchange.submit(command, self.now_ms)
        reason = outcome.rejection.reason.value if outcome.rejection else "accepted"
        event(f"{type(command).__name__}: {reason}")
        for kind in {type(item).__name__ for item in outcome.events}:
            event(f"event {kind}")
        for item in outcome.events:
            if isinstance(item, OrderAccepted):
                self.order_ids.append(item.order_id)
            elif isinstance(item, LiquidationTriggered) and not is_fund(item.account):
                # nobody is liquidated below 100% margin ratio
                assert item.margin_balance <= item.maintenance_margin, item
        if outcome.rejection is not None:
            if before is not None:
                after = self.engine.state_hash()
                assert after == before, (command, outcome.rejection)
        elif isinstance(command, Deposit):
            self._count(command.amount, 1)
        elif isinstance(command, Withdraw):
            self._count(command.amount, -1)
        self.in_flight = False
        return outcome

    def _count(self, amount: Amount, sign: int) -> None:
        self.inside[amount.asset] = self.inside.get(amount.asset, 0) + sign * amount.raw

    def mark(self, symbol: str) -> int:
        return self.engine.venue.symbols[symbol].mark_price or START_INDEX[symbol]

    def tick(self, symbol: str) -> int:
        return self.engine.venue.symbols[symbol].instrument.tick_size.raw

    def step(self, symbol: str) -> int:
        return self.engine.venue.symbols[symbol].instrument.step_size.raw

    def price_near(self, symbol: str, bps: int) -> Price:
        return Price(snap(offset(self.mark(symbol), bps), self.tick(symbol)))

    def is_hedge(self, account: str) -> bool:
        state = self.engine.venue.accounts.get(account)
        return state is not None and state.hedge

    # --- accounts and money ---------------------------------------------------------------------

    @initialize(
        opening_steps=st.one_of(st.just(0), st.integers(2, 500)),
        isolated=st.booleans(),
        hedge=st.booleans(),
    )
    def open_venue(self, opening_steps: int, isolated: bool, hedge: bool) -> None:
        """Prices, three accounts (two funded), and in some runs a first BTCUSDT trade."""
        for symbol in SYMBOLS:
            self.submit(SetIndexPrice(symbol, Price(START_INDEX[symbol])), 0)
        for name in NAMES:
            assert self.submit(OpenAccount(name), 0).accepted
        for name in NAMES[:2]:  # carol has no money until she deposits some
            assert self.submit(Deposit(name, Amount(50_000 * SCALE, "USDT")), 0).accepted
            assert self.submit(Deposit(name, Amount(2 * SCALE, "BTC")), 0).accepted
        if isolated:
            assert self.submit(SetMarginType("bob", "BTCUSDT", MarginType.ISOLATED), 0).accepted
        if hedge:
            assert self.submit(SetPositionMode("alice", hedge=True), 0).accepted
        if opening_steps:
            self.trade("bob", "alice", "BTCUSDT", Side.SELL, 0, opening_steps, 0)

    @rule(name=st.one_of(st.sampled_from(NAMES), st.sampled_from(BAD_NAMES)), wait=WAITS)
    def open_account(self, name: str, wait: int) -> None:
        self.submit(OpenAccount(name), wait)

    @rule(account=TRADERS, raw=AMOUNTS, asset=ASSETS, wait=WAITS)
    def deposit(self, account: str, raw: int, asset: str, wait: int) -> None:
        self.submit(Deposit(account, Amount(raw // ASSET_UNIT[asset], asset)), wait)

    @rule(account=TRADERS, raw=AMOUNTS, asset=ASSETS, wait=WAITS)
    def withdraw(self, account: str, raw: int, asset: str, wait: int) -> None:
        self.submit(Withdraw(account, Amount(raw // ASSET_UNIT[asset], asset)), wait)

    @rule(account=TRADERS, symbol=SYMBOL, leverage=LEVERAGES, wait=WAITS)
    def set_leverage(self, account: str, symbol: str, leverage: int, wait: int) -> None:
        self.submit(SetLeverage(account, symbol, leverage), wait)

    @rule(account=TRADERS, symbol=SYMBOL, kind=st.sampled_from(MarginType), wait=WAITS)
    def set_margin_type(self, account: str, symbol: str, kind: MarginType, wait: int) -> None:
        self.submit(SetMarginType(account, symbol, kind), wait)

    @rule(account=TRADERS, hedge=st.booleans(), wait=WAITS)
    def set_position_mode(self, account: str, hedge: bool, wait: int) -> None:
        self.submit(SetPositionMode(account, hedge), wait)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        side=st.one_of(st.none(), st.sampled_from(PositionSide)),
        long=st.booleans(),
        raw=AMOUNTS,
        add=st.booleans(),
        wait=WAITS,
    )
    def modify_isolated_margin(
        self,
        account: str,
        symbol: str,
        side: PositionSide | None,
        long: bool,
        raw: int,
        add: bool,
        wait: int,
    ) -> None:
        """Move margin of the account's own position side (``None``) or of any side."""
        side = side or self.position_side(account, Side.BUY, opens=long)
        asset = self.engine.venue.assets.get(symbol, "USDT")
        # smaller than deposits: removals sometimes fit
        amount = Amount(raw // 20 // ASSET_UNIT[asset], asset)
        self.submit(ModifyIsolatedMargin(account, symbol, side, amount, add), wait)

    @rule(which=st.integers(0, 15), raw=st.integers(-SCALE, 10**5 * SCALE), wait=WAITS)
    def refused(self, which: int, raw: int, wait: int) -> None:
        """Commands the venue must refuse: unknown accounts, symbols or assets, bad prices."""
        commands: list[Command] = [
            Deposit("dave", Amount(100 * SCALE, "USDT")),
            Deposit("alice", Amount(100 * SCALE, "ETH")),  # BTC margins BTCUSD_PERP
            Withdraw("dave", Amount(SCALE, "USDT")),
            Withdraw("bob", Amount(SCALE, "ETH")),
            SetLeverage("alice", "BTCUSD_PERP", 126),  # listed (inverse): 125x at most
            SetLeverage("dave", "BTCUSDT", 10),
            SetMarginType("bob", "XRPUSDT", MarginType.ISOLATED),
            SetPositionMode("dave", hedge=True),
            ModifyIsolatedMargin("alice", "BTCUSDT", PositionSide.BOTH, Amount(SCALE, "BTC"), True),
            CancelOrder("alice", "XRPUSDT", order_id=1),
            CancelAllOrders("dave", "BTCUSDT"),
            SetIndexPrice("BTCUSDT", Price(min(raw, 0))),
            SetIndexPrice("XRPUSDT", Price(raw)),
            SetMarkPrice("ETHUSDT", Price(raw)),
            SetFundingRate("BTCUSDT", Rate(raw % SCALE)),
            PlaceOrder("dave", "BTCUSDT", Side.BUY, OrderType.MARKET, quantity=Qty(SCALE)),
        ]
        outcome = self.submit(commands[which], wait)
        assert not outcome.accepted, commands[which]

    # --- orders ---------------------------------------------------------------------------------

    def position_side(self, account: str, side: Side, opens: bool) -> PositionSide:
        """Return the side a well-formed order names: BOTH one-way; LONG or SHORT in hedge mode."""
        if not self.is_hedge(account):
            return PositionSide.BOTH
        buys_long = side is Side.BUY
        return PositionSide.LONG if buys_long == opens else PositionSide.SHORT

    def quantity(self, symbol: str, steps: int, mangle: str) -> Qty:
        step = self.step(symbol)
        if mangle == "off_step":
            return Qty(steps * step + 1)
        if mangle == "zero_qty":
            return Qty(0)
        if mangle == "huge_qty":
            return Qty(10**6 * SCALE)
        return Qty(steps * step)

    def price(self, symbol: str, bps: int, mangle: str) -> Price:
        if mangle == "off_tick":
            return Price(self.price_near(symbol, bps).raw + 1)
        if mangle == "far_price":
            return self.price_near(symbol, 2_000 if bps >= 0 else -2_000)
        return self.price_near(symbol, bps)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        side=SIDES,
        bps=BPS,
        steps=STEPS,
        tif=TIFS,
        reduce_only=RARELY,
        opens=MOSTLY,
        client=CLIENT,
        stp=STPS,
        mangle=MANGLES,
        wait=WAITS,
    )
    def place_limit(
        self,
        account: str,
        symbol: str,
        side: Side,
        bps: int,
        steps: int,
        tif: TimeInForce,
        reduce_only: bool,
        opens: bool,
        client: str | None,
        stp: SelfTradePrevention,
        mangle: str,
        wait: int,
    ) -> None:
        command = PlaceOrder(
            account,
            symbol,
            side,
            OrderType.LIMIT,
            quantity=self.quantity(symbol, steps, mangle),
            price=self.price(symbol, bps, mangle),
            time_in_force=tif,
            reduce_only=reduce_only and not self.is_hedge(account),
            position_side=self.position_side(account, side, opens),
            client_order_id=client,
            self_trade_prevention=stp,
        )
        self.submit(command, wait)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        side=SIDES,
        steps=STEPS,
        reduce_only=RARELY,
        opens=MOSTLY,
        stp=STPS,
        mangle=MANGLES,
        wait=WAITS,
    )
    def place_market(
        self,
        account: str,
        symbol: str,
        side: Side,
        steps: int,
        reduce_only: bool,
        opens: bool,
        stp: SelfTradePrevention,
        mangle: str,
        wait: int,
    ) -> None:
        command = PlaceOrder(
            account,
            symbol,
            side,
            OrderType.MARKET,
            quantity=self.quantity(symbol, steps, mangle),
            reduce_only=reduce_only and not self.is_hedge(account),
            position_side=self.position_side(account, side, opens),
            self_trade_prevention=stp,
        )
        self.submit(command, wait)

    @rule(
        maker=TRADERS,
        taker=TRADERS,
        symbol=SYMBOL,
        side=SIDES,
        bps=st.integers(0, 100),
        steps=STEPS,
        wait=WAITS,
    )
    def trade_between(
        self, maker: str, taker: str, symbol: str, side: Side, bps: int, steps: int, wait: int
    ) -> None:
        self.trade(maker, taker, symbol, side, bps, steps, wait)

    def trade(
        self, maker: str, taker: str, symbol: str, side: Side, bps: int, steps: int, wait: int
    ) -> None:
        """Rest a GTC limit order for ``maker`` on the passive side, then take it with a market
        order of ``taker`` (so the venue trades even without a market maker)."""
        quantity = Qty(steps * self.step(symbol))
        resting = PlaceOrder(
            maker,
            symbol,
            side,
            OrderType.LIMIT,
            quantity=quantity,
            price=self.price_near(symbol, -bps if side is Side.BUY else bps),
            time_in_force=TimeInForce.GTC,
            position_side=self.position_side(maker, side, opens=True),
        )
        self.submit(resting, wait)
        taking = PlaceOrder(
            taker,
            symbol,
            side.opposite,
            OrderType.MARKET,
            quantity=quantity,
            position_side=self.position_side(taker, side.opposite, opens=True),
        )
        self.submit(taking, 0)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        side=SIDES,
        kind=st.sampled_from(
            (
                OrderType.STOP,
                OrderType.TAKE_PROFIT,
                OrderType.STOP_MARKET,
                OrderType.TAKE_PROFIT_MARKET,
            )
        ),
        bps=BPS,
        stop_bps=STOP_BPS,
        steps=STEPS,
        working=WORKING,
        reduce_only=RARELY,
        opens=MOSTLY,
        protect=st.booleans(),
        client=CLIENT,
        mangle=MANGLES,
        wait=WAITS,
    )
    def place_conditional(
        self,
        account: str,
        symbol: str,
        side: Side,
        kind: OrderType,
        bps: int,
        stop_bps: int,
        steps: int,
        working: WorkingType,
        reduce_only: bool,
        opens: bool,
        protect: bool,
        client: str | None,
        mangle: str,
        wait: int,
    ) -> None:
        limit = kind in (OrderType.STOP, OrderType.TAKE_PROFIT)
        command = PlaceOrder(
            account,
            symbol,
            side,
            kind,
            quantity=self.quantity(symbol, steps, mangle),
            price=self.price(symbol, bps, mangle) if limit else None,
            stop_price=self.price(symbol, stop_bps, mangle),
            working_type=working,
            reduce_only=reduce_only and not self.is_hedge(account),
            position_side=self.position_side(account, side, opens),
            client_order_id=client,
            price_protect=protect,
        )
        self.submit(command, wait)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        side=SIDES,
        steps=STEPS,
        callback=CALLBACK,
        activation_bps=st.one_of(st.none(), STOP_BPS),
        working=WORKING,
        reduce_only=RARELY,
        opens=MOSTLY,
        mangle=MANGLES,
        wait=WAITS,
    )
    def place_trailing_stop(
        self,
        account: str,
        symbol: str,
        side: Side,
        steps: int,
        callback: int,
        activation_bps: int | None,
        working: WorkingType,
        reduce_only: bool,
        opens: bool,
        mangle: str,
        wait: int,
    ) -> None:
        activation = None if activation_bps is None else self.price(symbol, activation_bps, mangle)
        command = PlaceOrder(
            account,
            symbol,
            side,
            OrderType.TRAILING_STOP_MARKET,
            quantity=self.quantity(symbol, steps, mangle),
            callback_rate=Rate(callback),
            activation_price=activation,
            working_type=working,
            reduce_only=reduce_only and not self.is_hedge(account),
            position_side=self.position_side(account, side, opens),
        )
        self.submit(command, wait)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        side=SIDES,
        kind=st.sampled_from((OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET)),
        stop_bps=STOP_BPS,
        working=WORKING,
        wait=WAITS,
    )
    def place_close_position(
        self,
        account: str,
        symbol: str,
        side: Side,
        kind: OrderType,
        stop_bps: int,
        working: WorkingType,
        wait: int,
    ) -> None:
        command = PlaceOrder(
            account,
            symbol,
            side,
            kind,
            stop_price=self.price_near(symbol, stop_bps),
            close_position=True,
            working_type=working,
            position_side=self.position_side(account, side, opens=False),
        )
        self.submit(command, wait)

    @rule(
        account=ANYONE,
        symbol=ANY_SYMBOL,
        side=SIDES,
        kind=st.sampled_from(OrderType),
        steps=st.one_of(st.none(), STEPS),
        bps=st.one_of(st.none(), BPS),
        stop_bps=st.one_of(st.none(), BPS),
        tif=st.one_of(st.none(), TIFS),
        callback=st.one_of(st.none(), CALLBACK),
        flags=st.tuples(st.booleans(), st.booleans()),
        position_side=st.sampled_from(PositionSide),
        client=ANY_CLIENT,
        wait=WAITS,
    )
    def place_any_parameters(
        self,
        account: str,
        symbol: str,
        side: Side,
        kind: OrderType,
        steps: int | None,
        bps: int | None,
        stop_bps: int | None,
        tif: TimeInForce | None,
        callback: int | None,
        flags: tuple[bool, bool],
        position_side: PositionSide,
        client: str | None,
        wait: int,
    ) -> None:
        """Any mix of parameters, well-formed or not, on any symbol and position side."""
        known = symbol in SYMBOLS
        command = PlaceOrder(
            account,
            symbol,
            side,
            kind,
            quantity=None if steps is None else Qty(steps * 100_000),
            price=self.price_near(symbol, bps) if known and bps is not None else None,
            stop_price=self.price_near(symbol, stop_bps)
            if known and stop_bps is not None
            else None,
            time_in_force=tif,
            callback_rate=None if callback is None else Rate(callback),
            reduce_only=flags[0],
            close_position=flags[1],
            position_side=position_side,
            client_order_id=client,
        )
        self.submit(command, wait)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        pick=st.integers(0, 10**6),
        how=st.sampled_from(("id", "id", "client", "default_client", "unknown", "nothing")),
        wait=WAITS,
    )
    def cancel(self, account: str, symbol: str, pick: int, how: str, wait: int) -> None:
        """Cancel by a known id (of any account), an unknown id, a client id, or by nothing."""
        known = self.order_ids[pick % len(self.order_ids)] if self.order_ids else 1
        command = {
            "id": CancelOrder(account, symbol, order_id=known),
            "client": CancelOrder(account, symbol, client_order_id=CLIENT_IDS[pick % 3]),
            "default_client": CancelOrder(account, symbol, client_order_id=f"liq-{known}"),
            "unknown": CancelOrder(account, symbol, order_id=10**9 + pick),
            "nothing": CancelOrder(account, symbol),
        }[how]
        self.submit(command, wait)

    @rule(
        account=TRADERS,
        symbol=SYMBOL,
        pick=st.integers(0, 10**6),
        bps=st.integers(-300, 300),
        scale=st.sampled_from((0, 1, 2, 5)),
        wait=WAITS,
    )
    def amend(self, account: str, symbol: str, pick: int, bps: int, scale: int, wait: int) -> None:
        """Amend a known order (any account's) to a price ``bps`` off the index and a quantity
        of ``scale`` tenths of its own (0: none; at or below the executed part cancels it)."""
        if not self.order_ids:
            return
        known = self.order_ids[pick % len(self.order_ids)]
        venue = self.engine.venue
        state = venue.symbols[symbol]
        holder = venue.accounts.get(account)
        found = venue.order(holder, symbol, known) if holder is not None else None
        index = state.index_price or START_INDEX[symbol]
        step = state.instrument.step_size.raw
        quantity = (found.quantity * scale // 10) // step * step if found is not None else step
        raw_price = offset(index, bps)
        price = Price(raw_price - raw_price % state.instrument.tick_size.raw)
        self.submit(AmendOrder(account, symbol, price, Qty(quantity), order_id=known), wait)

    @rule(account=TRADERS, symbol=SYMBOL, wait=WAITS)
    def cancel_all(self, account: str, symbol: str, wait: int) -> None:
        self.submit(CancelAllOrders(account, symbol), wait)

    # --- prices and time ------------------------------------------------------------------------

    @rule(
        symbol=SYMBOL,
        bps=st.one_of(st.integers(-60, 60), st.integers(1_000, 2_000), st.integers(-2_000, -1_000)),
        wait=WAITS,
    )
    def move_index(self, symbol: str, bps: int, wait: int) -> None:
        """Small steps, and now and then a 10-20% jump."""
        index = self.engine.venue.symbols[symbol].index_price or START_INDEX[symbol]
        start = START_INDEX[symbol]
        if (index > 2 * start and bps > 0) or (index < start // 2 and bps < 0):
            bps = -bps  # keep the index within a factor of about two of where it started
        self.submit(SetIndexPrice(symbol, Price(offset(index, bps))), wait)

    @rule()
    def restart(self) -> None:
        """Carry on from an exchange reopened from the journal (latest snapshot + replay)."""
        self.exchange.flush()
        before = self.engine.state_hash()
        self.exchange = Exchange.open(
            market(), self.config, self.journal, snapshot_every=SNAPSHOT_EVERY
        )
        assert self.engine.state_hash() == before

    @rule(seconds=st.integers(1, 900))
    def advance_seconds(self, seconds: int) -> None:
        self.submit(AdvanceTime(), seconds * 1_000)

    @rule(extra_ms=st.integers(0, 8 * HOUR_MS))
    def advance_past_funding(self, extra_ms: int) -> None:
        """Jump over the next funding time, so every open position pays or receives."""
        due = min(state.next_funding_ms for state in self.engine.venue.symbols.values())
        self.submit(AdvanceTime(), max(1, due - self.now_ms) + extra_ms)

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def ledger_balances(self) -> None:
        ledger = self.engine.venue.ledger
        assert all(total == 0 for total in ledger.totals().values()), ledger.totals()
        inside: dict[str, int] = {}
        for (name, asset), amount in ledger.items():
            if name != EXTERNAL:
                inside[asset] = inside.get(asset, 0) + amount
        for asset in set(inside) | set(self.inside):
            assert inside.get(asset, 0) == self.inside.get(asset, 0), asset
            assert -ledger.balance(EXTERNAL, asset) == self.inside.get(asset, 0), asset

    @invariant()
    def system_accounts_never_negative(self) -> None:
        """Fees, funding dust and the insurance funds never go below zero."""
        for (name, asset), amount in self.engine.venue.ledger.items():
            if name in (FEES, FUNDING) or is_fund(name):
                assert amount >= 0, (name, asset, amount)

    @invariant()
    def nobody_is_left_past_liquidation(self) -> None:
        """After every command no margin unit is at 100% margin ratio at the marks."""
        venue = self.engine.venue
        for account in venue.accounts.values():
            if account.is_system:
                continue
            for position in account.open_positions():
                target = unit(venue, unit_key(venue, account, position))
                assert target is not None
                figures = unit_figures(venue, target)
                assert not figures.is_breached, (target.wallet_key, figures)

    @invariant()
    def isolated_wallets_belong_to_open_isolated_positions(self) -> None:
        """Margin set aside for a position goes back to the cross wallet when it closes."""
        venue = self.engine.venue
        for (name, _), amount in venue.ledger.items():
            if amount == 0 or "/" not in name:
                continue
            account_name, symbol, side = name.split("/")
            account = venue.accounts[account_name]
            position = account.find_position(symbol, PositionSide(side))
            quantity = position.quantity if position is not None else 0
            assert quantity != 0, (name, amount)
            assert account.margin_type_of(symbol) is MarginType.ISOLATED, (name, amount)

    @invariant()
    def positions_net_to_zero(self) -> None:
        venue = self.engine.venue
        for symbol, state in venue.symbols.items():
            held = {
                (name, position.side): position.quantity
                for name, account in venue.accounts.items()
                for position in account.open_positions()
                if position.symbol == symbol
            }
            assert sum(held.values()) == 0, (symbol, held)
            assert state.holders == held, symbol

    @invariant()
    def reported_positions_are_the_charged_ones(self) -> None:
        """What an account reports holding is what the engine charges margin for.

        The API lists ``open_positions()``; the pre-trade check and the risk engine charge the
        cross figures (``pretrade.cross_figures``) and index isolated wallets by position: both must
        see the same positions, of the same mode, with the same margin.
        """
        venue = self.engine.venue
        for account in venue.accounts.values():
            if account.is_system:
                continue
            reported = account.open_positions()
            for position in reported:  # the sides of the account's mode, and only those
                one_way = position.side is PositionSide.BOTH
                assert one_way != account.hedge, (account.account, position.side)
            marks = {s: state.mark_price for s, state in venue.symbols.items()}
            for asset in ("USDT", "BTC"):
                cross = [
                    p
                    for p in reported
                    if not account.is_isolated(p.symbol) and venue.assets[p.symbol] == asset
                ]
                charged = cross_figures(venue, account, asset)
                assert charged.position_margin == sum(
                    position_initial_margin(
                        p,
                        marks[p.symbol],
                        account.leverage_of(p.symbol),
                        venue.symbols[p.symbol].tiers,
                    )
                    for p in cross
                ), account.account
                assert charged.unrealized == sum(
                    unrealized(p, marks[p.symbol], venue.symbols[p.symbol].tiers) for p in cross
                )
            for p in reported:
                if account.is_isolated(p.symbol):
                    key = unit_key(venue, account, p)
                    target = unit(venue, key)
                    assert target is not None
                    assert target.positions == [p], account.account

    @invariant()
    def derived_order_indexes_agree(self) -> None:
        """Open-order exposure, counts and client ids, and the book, match the orders."""
        venue = self.engine.venue
        for account in venue.accounts.values():
            for symbol, orders in account.symbols.items():
                state = venue.symbols[symbol]
                resting = [o for o in orders.orders.values() if o.order_id not in state.triggers]
                opening = [o for o in resting if o.is_opening]
                assert orders.closing == len(resting) - len(opening)
                buys = [o for o in opening if o.side is Side.BUY]
                sells = [o for o in opening if o.side is Side.SELL]
                assert orders.buy_qty == sum(o.remaining for o in buys)
                value = state.tiers.order_value16
                assert orders.buy_cost == sum(value(o.remaining, o.price) for o in buys)
                assert orders.sell_qty == sum(o.remaining for o in sells)
                assert orders.sell_cost == sum(value(o.remaining, o.price) for o in sells)
                assert orders.algo == sum(o in state.triggers for o in orders.orders)
                every = list(
                    orders.orders.values()
                )  # a client id finds its order, generated or not
                assert all(orders.by_client_id(o.client_order_id) is o for o in every), symbol
                assert all(o in orders.orders.values() for o in orders.by_client.values())
        for state in venue.symbols.values():
            bid, ask = state.book.best_bid(), state.book.best_ask()
            assert bid is None or ask is None or bid < ask, (state.instrument.symbol, bid, ask)
            for order in [*state.book.bids.orders(), *state.book.asks.orders()]:
                assert order.remaining > 0
                assert order.status.is_open
                assert venue.order(venue.accounts[order.account], order.symbol, order.order_id)

    @invariant()
    def wallets_move_only_for_their_account(self) -> None:
        self.exchange.flush()
        accounts = self.engine.venue.accounts
        for record in self.journal.records_after(self.checked_seq):
            self.checked_seq = record.seq
            for item in json.loads(record.events):
                if record_type(item) != "LedgerPosted":
                    continue
                entry = decode_event(item)
                assert isinstance(entry, LedgerPosted)
                for ledger_account, _ in entry.postings:
                    owner = ledger_owner(ledger_account)
                    if owner in accounts and not owner.startswith("@"):
                        assert owner == entry.account, item

    @invariant()
    def restore_gives_the_same_state(self) -> None:
        state = json.loads(json.dumps(self.engine.state()))
        restored = Engine.restore(market(), self.config, state)
        assert restored.state_hash() == self.engine.state_hash()

    @invariant()
    def restart_gives_the_same_state(self) -> None:
        self.exchange.flush()
        assert replay_hash(self.config, self.journal) == self.engine.state_hash()
        if self.exchange.seq % REPLAY_FROM_ZERO_EVERY == 0:
            self.check_replay_from_zero()

    def check_replay_from_zero(self) -> None:
        self.exchange.flush()
        bare = MemoryJournal()  # the records and the configuration they were written with
        recorded = self.journal.venue_config()
        assert recorded is not None
        bare.record_venue_config(recorded)
        bare.append(list(self.journal.records_after(0)))
        assert replay_hash(self.config, bare) == self.engine.state_hash()

    def teardown(self) -> None:
        event(f"commands {self.exchange.seq // 10 * 10}+")
        if not self.in_flight:  # a command that raised has already failed the run
            self.check_replay_from_zero()


class BareEngineMachine(EngineMachine):
    """The same, without a market maker: users only trade with each other."""

    config = VenueConfig()


MACHINE_SETTINGS = settings(stateful_step_count=30, max_examples=100)
TestEngineMachine = EngineMachine.TestCase
TestEngineMachine.settings = MACHINE_SETTINGS
TestBareEngineMachine = BareEngineMachine.TestCase
TestBareEngineMachine.settings = MACHINE_SETTINGS


# --- bugs the machine found, each as its smallest deterministic reproduction ---------------------


def run(engine: Engine, commands: list[Command], now_ms: int = T0_MS) -> None:
    """Handle ``commands`` at ``now_ms``; every one must be accepted."""
    for command in commands:
        outcome = engine.handle(command, now_ms)
        assert outcome.accepted, (command, outcome.rejection)


def test_funding_settles_when_one_account_holds_both_hedge_sides() -> None:
    """Found by the machine: funding sorted holders by an unorderable PositionSide."""
    engine = Engine(market(), VenueConfig())
    run(
        engine,
        [
            SetIndexPrice("BTCUSDT", Price(60_000 * SCALE)),
            OpenAccount("alice"),
            Deposit("alice", Amount(50_000 * SCALE, "USDT")),
            SetPositionMode("alice", hedge=True),
            PlaceOrder(
                "alice",
                "BTCUSDT",
                Side.BUY,
                OrderType.LIMIT,
                quantity=Qty(200_000),  # 0.002
                price=Price(60_000 * SCALE),
                time_in_force=TimeInForce.GTC,
                position_side=PositionSide.LONG,
            ),
            PlaceOrder(
                "alice",
                "BTCUSDT",
                Side.SELL,
                OrderType.MARKET,
                quantity=Qty(200_000),
                position_side=PositionSide.SHORT,
            ),
        ],
    )
    funding_ms = engine.venue.symbols["BTCUSDT"].next_funding_ms

    outcome = engine.handle(AdvanceTime(), funding_ms)

    assert outcome.accepted
    settled = [e for e in outcome.events if isinstance(e, FundingSettled)]
    assert [(e.symbol, e.positions) for e in settled] == [
        ("BTCUSDT", 2),
        ("BTCUSD_PERP", 0),
        ("ETHUSDT", 0),
    ]


def test_a_position_opened_after_switching_mode_back_is_reported_charged_and_closable() -> None:
    """Found by a tester: hedge -> one-way -> hedge, then a LONG fills but is not reported.

    The per-symbol position slots kept the objects of the first hedge period when the mode
    changed, so the new LONG was charged margin but missing from what the account reports,
    could not be closed, and vanished on restart.
    """
    journal = MemoryJournal()
    exchange = Exchange(Engine(market(), VenueConfig()), journal, snapshot_every=1)
    long = PositionSide.LONG

    def order(account: str, side: Side, position_side: PositionSide, resting: bool) -> PlaceOrder:
        return PlaceOrder(
            account,
            "BTCUSDT",
            side,
            OrderType.LIMIT if resting else OrderType.MARKET,
            quantity=Qty(1_000_000),  # 0.01
            price=Price(60_000 * SCALE) if resting else None,
            time_in_force=TimeInForce.GTC if resting else None,
            position_side=position_side,
        )

    commands: list[Command] = [
        SetIndexPrice("BTCUSDT", Price(60_000 * SCALE)),
        OpenAccount("alice"),
        OpenAccount("bob"),
        Deposit("alice", Amount(10_000 * SCALE, "USDT")),
        Deposit("bob", Amount(10_000 * SCALE, "USDT")),
        SetPositionMode("alice", hedge=True),
        order("alice", Side.BUY, long, resting=True),  # a LONG slot exists, then is closed
        order("bob", Side.SELL, PositionSide.BOTH, resting=False),
        order("alice", Side.SELL, long, resting=True),
        order("bob", Side.BUY, PositionSide.BOTH, resting=False),
        SetPositionMode("alice", hedge=False),
        SetPositionMode("alice", hedge=True),
        order("alice", Side.BUY, long, resting=True),
        order("bob", Side.SELL, PositionSide.BOTH, resting=False),
    ]
    for command in commands:
        assert exchange.submit(command, T0_MS).accepted, command
    alice = exchange.engine.venue.accounts["alice"]

    assert [(p.side, p.quantity) for p in alice.open_positions()] == [(long, 1_000_000)]
    assert cross_figures(exchange.engine.venue, alice, "USDT").position_margin == 30 * SCALE
    switch = exchange.submit(SetPositionMode("alice", hedge=False), T0_MS)
    assert switch.rejection is not None
    restored = Exchange.open(market(), VenueConfig(), journal).engine.venue.accounts["alice"]
    assert [(p.side, p.quantity) for p in restored.open_positions()] == [(long, 1_000_000)]
    closing = order("alice", Side.SELL, long, resting=False)
    assert exchange.submit(order("bob", Side.BUY, PositionSide.BOTH, True), T0_MS).accepted
    assert exchange.submit(closing, T0_MS).accepted
    assert alice.open_positions() == []
