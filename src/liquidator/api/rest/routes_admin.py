"""The admin API (``X-ADMIN-KEY``, off Binance's paths): what Binance has no endpoint for.

Accounts and keys, deposits and withdrawals, index and mark prices (and a scripted crash),
simulated time, the insurance funds and the ledger's totals. An ``account`` parameter names a
user account: the engine's system accounts (``@...``) are refused (-1130), so nobody gets their
key or moves their money.
"""

from __future__ import annotations

from typing import Any

from liquidator.api.errors import INVALID_PARAMETER, BinanceError, invalid
from liquidator.api.rest.routes_market import symbol_state
from liquidator.api.rest.routing import Call, Param, Route, Security
from liquidator.api.views import d
from liquidator.app.clock import SimulatedClock
from liquidator.app.keys import (
    AccountNameError,
    PublicKeyError,
    check_account_name,
    ed25519_public_key,
)
from liquidator.core.exchange.commands import (
    AdvanceTime,
    Deposit,
    OpenAccount,
    SetIndexPrice,
    SetMarkPrice,
    Withdraw,
)
from liquidator.core.exchange.venue import PriceSource
from liquidator.core.money.fixed import SCALE, Amount, Price
from liquidator.core.risk.insurance_groups import is_fund
from liquidator.read.account_figures import entry_price

ADMIN = Security.ADMIN
ACCOUNT = Param("account", required=True)


def _account(call: Call) -> str:
    """Return the ``account`` parameter: a user account's name, never a system account's."""
    try:
        return check_account_name(call.params.need("account"))
    except AccountNameError as error:
        raise BinanceError(
            INVALID_PARAMETER, f"Data sent for parameter 'account' is not valid: {error}."
        ) from error


def open_account(call: Call) -> dict[str, Any]:
    name = _account(call)
    call.server.submit(OpenAccount(name))
    return {"account": name}


def create_key(call: Call) -> dict[str, Any]:
    """Draw an HMAC key for ``account``, or register an Ed25519 one (``publicKey``, PEM)."""
    name = _account(call)
    public_key = call.params.text("publicKey")
    if public_key is not None:
        try:
            public_key = ed25519_public_key(public_key)
        except PublicKeyError as error:
            raise BinanceError(
                INVALID_PARAMETER, f"Data sent for parameter 'publicKey' is not valid: {error}."
            ) from error
    call.server.ensure_account(name)
    if public_key is not None:
        key = call.server.keys.register(name, public_key)
        return {"account": name, "apiKey": key.key, "keyType": key.kind.value}
    key = call.server.keys.create(name)
    return {"account": name, "apiKey": key.key, "secretKey": key.secret, "keyType": key.kind.value}


def _amount(call: Call) -> Amount:
    asset = (call.params.text("asset") or "USDT").upper()
    if not asset.isalnum():
        raise invalid("asset")
    amount = call.params.fixed("amount", lambda text: Amount.of(text, asset), required=True)
    assert amount is not None
    return amount


def deposit(call: Call) -> dict[str, Any]:
    name = _account(call)
    call.server.ensure_account(name)
    amount = _amount(call)
    call.server.submit(Deposit(name, amount))
    return {"account": name, "asset": amount.asset, "balance": _wallet(call, name, amount.asset)}


def withdraw(call: Call) -> dict[str, Any]:
    name = _account(call)
    amount = _amount(call)
    call.server.submit(Withdraw(name, amount))
    return {"account": name, "asset": amount.asset, "balance": _wallet(call, name, amount.asset)}


def _wallet(call: Call, name: str, asset: str) -> str:
    return d(call.server.live.venue.ledger.balance(name, asset))


def set_price(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    symbol = state.instrument.symbol
    index = call.params.fixed("index", Price.of)
    mark = call.params.fixed("mark", Price.of)
    if index is None and mark is None:
        raise BinanceError(-1102, "Send 'index' or 'mark' (or both).")
    if index is not None:
        call.server.submit(SetIndexPrice(symbol, index))
    if mark is not None:
        call.server.submit(SetMarkPrice(symbol, mark))
    return _prices(call)


def crash(call: Call) -> dict[str, Any]:
    """Move the index (and a fed mark) by ``percent`` (negative: down) in ``steps`` commands."""
    state = symbol_state(call)
    symbol = state.instrument.symbol
    percent = call.params.fixed("percent", Price.of, required=True)
    steps = call.params.integer("steps", default=1)
    assert percent is not None
    assert steps is not None
    if not 1 <= steps <= 1000 or not -100 * SCALE < percent.raw <= 1000 * SCALE:
        raise invalid("percent" if steps >= 1 else "steps")
    start = state.index_price or state.mark_price
    tick = state.instrument.tick_size.raw
    feed = call.server.live.venue.config.mark_source is PriceSource.FEED
    for step in range(1, steps + 1):
        target = start + start * percent.raw * step // (100 * SCALE * steps)
        target = max(tick, target - target % tick)
        call.server.submit(SetIndexPrice(symbol, Price(target)))
        if feed:
            call.server.submit(SetMarkPrice(symbol, Price(target)))
    return _prices(call)


def _prices(call: Call) -> dict[str, Any]:
    state = symbol_state(call)
    return {
        "symbol": state.instrument.symbol,
        "indexPrice": d(state.index_price),
        "markPrice": d(state.mark_price),
        "lastPrice": d(state.last_price),
    }


def advance_time(call: Call) -> dict[str, Any]:
    clock = call.server.live.clock
    if not isinstance(clock, SimulatedClock):
        raise BinanceError(-1130, "This server runs on the wall clock; time cannot be advanced.")
    ms = call.params.integer("ms", required=True)
    assert ms is not None
    if not 0 < ms <= 365 * 86_400_000:
        raise invalid("ms")
    clock.advance(ms)
    call.server.submit(AdvanceTime())
    return {"serverTime": call.server.live.now_ms()}


def insurance(call: Call) -> dict[str, Any]:
    venue = call.server.live.venue
    funds = sorted({(n, a) for (n, a), _ in venue.ledger.items() if is_fund(n)})
    return {
        "funds": [
            {
                "fund": name,
                "asset": asset,
                "balance": d(venue.ledger.balance(name, asset)),
                "lowWater": d(call.server.live.funds.low_water(name, asset) or 0),
                "positions": [
                    {
                        "symbol": p.symbol,
                        "positionAmt": d(p.quantity),
                        "entryPrice": d(entry_price(venue, p)),
                    }
                    for p in venue.accounts[name].open_positions()
                ],
            }
            for name, asset in funds
        ]
    }


def ledger(call: Call) -> dict[str, Any]:
    venue = call.server.live.venue
    totals = venue.ledger.totals()
    return {
        "balanced": all(v == 0 for v in totals.values()),
        "systemAccounts": {
            f"{n} {a}": d(v) for (n, a), v in sorted(venue.ledger.items()) if n.startswith("@")
        },
        "journalSeq": call.server.live.exchange.seq,
        "stateHash": call.server.live.exchange.engine.state_hash(),
    }


SYMBOL = Param("symbol", required=True)
ROUTES = (
    Route("POST", "/admin/accounts", open_account, ADMIN, 0, (ACCOUNT,)),
    Route("POST", "/admin/keys", create_key, ADMIN, 0, (ACCOUNT, Param("publicKey"))),
    Route(
        "POST",
        "/admin/deposit",
        deposit,
        ADMIN,
        0,
        (ACCOUNT, Param("amount", "number", True), Param("asset")),
    ),
    Route(
        "POST",
        "/admin/withdraw",
        withdraw,
        ADMIN,
        0,
        (ACCOUNT, Param("amount", "number", True), Param("asset")),
    ),
    Route(
        "POST",
        "/admin/price",
        set_price,
        ADMIN,
        0,
        (SYMBOL, Param("index", "number"), Param("mark", "number")),
    ),
    Route(
        "POST",
        "/admin/crash",
        crash,
        ADMIN,
        0,
        (SYMBOL, Param("percent", "number", True), Param("steps", "integer")),
    ),
    Route("POST", "/admin/time", advance_time, ADMIN, 0, (Param("ms", "integer", True),)),
    Route("GET", "/admin/insurance", insurance, ADMIN, 0),
    Route("GET", "/admin/ledger", ledger, ADMIN, 0),
)
