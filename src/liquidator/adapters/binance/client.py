"""The account's REST side through binance-futures-connector (signing included): ``UMFutures``
for USDⓈ-M (``/fapi``), ``CMFutures`` for COIN-M (``/dapi``: positions in contracts, wallets and
brackets in the coin, ``/dapi/v2/leverageBracket`` per symbol).

Every body is parsed with ``parse_float=Decimal`` (a response hook on the library's session),
so Binance's bare JSON numbers (``maintMarginRatio``, ``cum``) never pass through a float.
Errors become the monitor's: a refused key or request is :class:`AccessDeniedError` (the
command ends), a server error, a rate limit (with its ``Retry-After``) or a broken connection is
:class:`UnreachableError` (the monitor retries with back-off), and ``-1125`` on a listen key is
:class:`ListenKeyRejectedError`. The exchangeInfo body is fetched once and again only when a
held symbol is missing from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import requests
from binance.api import API
from binance.cm_futures import CMFutures
from binance.error import ClientError, ServerError
from binance.um_futures import UMFutures

from liquidator.adapters.binance import fields
from liquidator.adapters.binance.snapshot import RestBodies, parse_snapshot
from liquidator.adapters.clock import WallClock
from liquidator.app.monitor.events import Snapshot
from liquidator.app.monitor.ports import (
    AccessDeniedError,
    ListenKeyRejectedError,
    UnreachableError,
)

INVALID_LISTEN_KEY = -1125
RATE_LIMITED = (418, 429)
BINANCE_USDM = "https://fapi.binance.com"
BINANCE_COINM = "https://dapi.binance.com"
MARKETS = ("usdm", "coinm")


@dataclass(frozen=True, slots=True)
class Requests:
    """One family's calls, each through its library's method where it has a fitting one."""

    account: Callable[[], Any]
    position_risk: Callable[[], Any]
    exchange_info: Callable[[], Any]
    brackets: Callable[[], Any]
    premium_index: Callable[[], Any]
    adl_quantile: Callable[[], Any]
    mark_klines: Callable[[str, int], Any]
    new_listen_key: Callable[[], Any]
    renew_listen_key: Callable[[str], Any]


def usdm_requests(api: UMFutures) -> Requests:
    return Requests(
        account=api.account,
        position_risk=partial(api.sign_request, "GET", "/fapi/v2/positionRisk"),
        exchange_info=api.exchange_info,
        brackets=api.leverage_brackets,
        premium_index=api.mark_price,
        adl_quantile=api.adl_quantile,
        mark_klines=lambda symbol, minutes: api.mark_price_klines(symbol, "1m", limit=minutes),
        new_listen_key=api.new_listen_key,
        renew_listen_key=api.renew_listen_key,
    )


def coinm_requests(api: CMFutures) -> Requests:
    """COIN-M's calls. ``premiumIndex`` for every symbol is asked by path (``CMFutures.mark_price``
    requires one symbol), as is ``/dapi/v2/leverageBracket`` (the library sends a symbol to the
    per-pair v1 path)."""
    return Requests(
        account=api.account,
        position_risk=api.get_position_risk,
        exchange_info=api.exchange_info,
        brackets=partial(api.sign_request, "GET", "/dapi/v2/leverageBracket"),
        premium_index=partial(api.query, "/dapi/v1/premiumIndex"),
        adl_quantile=api.adl_quantile,
        mark_klines=lambda symbol, minutes: api.mark_price_klines(symbol, "1m", limit=minutes),
        new_listen_key=api.new_listen_key,
        renew_listen_key=api.renew_listen_key,
    )


def library_client(
    market: str, base_url: str, key: str | None, secret: str | None, timeout_s: float = 10
) -> API:
    """Return binance-futures-connector's client of ``market`` (``usdm`` or ``coinm``)."""
    kind = CMFutures if market == "coinm" else UMFutures
    return kind(key=key, secret=secret, base_url=base_url.rstrip("/"), timeout=timeout_s)


def _decimal_json(response: requests.Response, *_: Any, **__: Any) -> requests.Response:
    """Make ``response.json()`` read numbers as Decimal."""
    setattr(response, "json", partial(json.loads, response.text, parse_float=Decimal))  # noqa: B010
    return response


class BinanceAccountClient:
    """An account on a Binance USDⓈ-M or COIN-M API: the monitor's ``AccountSource``."""

    def __init__(
        self, base_url: str, key: str, secret: str, market: str = "usdm", timeout_s: float = 10
    ) -> None:
        self.base_url = base_url.rstrip("/")
        api = library_client(market, self.base_url, key, secret, timeout_s)
        api.session.hooks["response"].append(_decimal_json)
        self._api = coinm_requests(api) if market == "coinm" else usdm_requests(api)
        self._exchange_info: Any = None

    def snapshot(self) -> Snapshot:
        ts_ms = WallClock().now_ms()
        account = self._call(self._api.account)
        position_risk = self._call(self._api.position_risk)
        held = {
            row.get("symbol")
            for row in fields.sequence(position_risk, "positionRisk")
            if isinstance(row, dict)
            and fields.decimal_raw(row.get("positionAmt", "0"), "positionRisk.positionAmt")
        }
        return parse_snapshot(
            RestBodies(
                account=account,
                position_risk=position_risk,
                exchange_info=self._listing(held),
                brackets=self._call(self._api.brackets) if held else [],
                premium_index=self._call(self._api.premium_index),
                adl_quantile=self._call(self._api.adl_quantile) if held else [],
                ts_ms=ts_ms,
            )
        )

    def mark_closes(self, symbol: str, minutes: int) -> Sequence[Decimal]:
        rows = self._call(partial(self._api.mark_klines, symbol, minutes))
        return [Decimal(str(row[4])) for row in fields.sequence(rows, "markPriceKlines")]

    def open_listen_key(self) -> str:
        body = self._call(self._api.new_listen_key)
        return fields.text(fields.mapping(body, "listenKey"), "listenKey", "")

    def keep_alive(self, listen_key: str) -> None:
        self._call(partial(self._api.renew_listen_key, listen_key))

    def _listing(self, held: set[Any]) -> Any:
        known = self._exchange_info
        if known is None or not held <= {entry.get("symbol") for entry in known.get("symbols", ())}:
            self._exchange_info = self._call(self._api.exchange_info)
        return self._exchange_info

    def _call(self, request: Callable[[], Any]) -> Any:
        try:
            return request()
        except ClientError as error:
            raise _client_error(error) from None
        except ServerError as error:
            raise UnreachableError(f"{self.base_url}: server error {error.status_code}") from None
        except requests.RequestException as error:
            raise UnreachableError(f"{self.base_url}: {_first_line(error)}") from None


def _client_error(error: ClientError) -> Exception:
    status, code, message = error.status_code, error.error_code, error.error_message
    if code == INVALID_LISTEN_KEY:
        return ListenKeyRejectedError(str(message))
    if status in RATE_LIMITED:
        retry = (error.header or {}).get("Retry-After")
        wait = float(retry) if retry and str(retry).isdigit() else None
        return UnreachableError(f"rate limited (HTTP {status}): {message}", wait)
    shown = _first_line(message)[:200] if message else f"HTTP {status}"
    return AccessDeniedError(
        f"the exchange refused the request: {shown}" + (f" ({code})" if code else "")
    )


def _first_line(value: object) -> str:
    lines = str(value).strip().splitlines()
    return lines[0] if lines else type(value).__name__
