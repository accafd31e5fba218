"""Binance's error shape ``{"code": -NNNN, "msg": "..."}`` and the engine's reasons mapped to it.

Only the API layer knows Binance's codes: the engine refuses with a stable ``RejectReason``.
"""

from __future__ import annotations

from liquidator.core.exchange.events import Rejection, RejectReason


class BinanceError(Exception):
    """An answer in Binance's error shape; raised anywhere in a route, rendered by the app."""

    def __init__(
        self, code: int, msg: str, status: int = 400, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status
        self.headers = headers or {}  # sent with the answer (Retry-After on 503 and 429)

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


RETRY_AFTER_S = 1


def unavailable() -> BinanceError:
    """Binance's answer when it cannot process a request now: -1001, HTTP 503, retry later."""
    return BinanceError(
        -1001,
        "Internal error; unable to process your request. Please try again.",
        503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


UNKNOWN = -1000
INTERNAL_ERROR = -1001
UNAUTHORIZED = -1002
TOO_MANY_REQUESTS = -1003
INVALID_TIMESTAMP = -1021
INVALID_SIGNATURE = -1022
ILLEGAL_CHARS = -1100
MANDATORY_PARAMETER = -1102
PARAMETER_NOT_REQUIRED = -1106
BAD_SYMBOL = -1121
INVALID_LISTEN_KEY = -1125
INVALID_PARAMETER = -1130
NO_SUCH_ORDER = -2013
UNKNOWN_ORDER_SENT = -2011
BAD_API_KEY_FORMAT = -2014
REJECTED_API_KEY = -2015

REASON_CODES: dict[RejectReason, int] = {
    RejectReason.UNKNOWN_ACCOUNT: REJECTED_API_KEY,
    RejectReason.ACCOUNT_EXISTS: INVALID_PARAMETER,
    RejectReason.INVALID_ACCOUNT: INVALID_PARAMETER,
    RejectReason.UNKNOWN_SYMBOL: BAD_SYMBOL,
    RejectReason.UNKNOWN_ASSET: INVALID_PARAMETER,
    RejectReason.INVALID_AMOUNT: -4055,
    RejectReason.INSUFFICIENT_BALANCE: -2018,
    RejectReason.INVALID_LEVERAGE: -4028,
    RejectReason.MAX_NOTIONAL_EXCEEDED: -2027,
    RejectReason.NO_NEED_TO_CHANGE_MARGIN_TYPE: -4046,
    RejectReason.MARGIN_TYPE_OPEN_ORDERS: -4047,
    RejectReason.MARGIN_TYPE_OPEN_POSITION: -4048,
    RejectReason.NO_NEED_TO_CHANGE_POSITION_MODE: -4059,
    RejectReason.POSITION_MODE_OPEN_ORDERS: -4067,
    RejectReason.POSITION_MODE_OPEN_POSITION: -4068,
    RejectReason.NOT_ISOLATED: -4050,
    RejectReason.NO_POSITION: -4050,
    RejectReason.ISOLATED_BALANCE_INSUFFICIENT: -4051,
    RejectReason.MISSING_PARAMETER: MANDATORY_PARAMETER,
    RejectReason.UNNEEDED_PARAMETER: PARAMETER_NOT_REQUIRED,
    RejectReason.INVALID_TIME_IN_FORCE: -1115,
    RejectReason.INVALID_PRICE: -4013,
    RejectReason.PRICE_OFF_TICK: -4014,
    RejectReason.QUANTITY_OFF_STEP: -4023,
    RejectReason.QUANTITY_OUT_OF_RANGE: -4005,
    RejectReason.NOTIONAL_TOO_SMALL: -4164,
    RejectReason.PRICE_ABOVE_LIMIT: -4016,
    RejectReason.PRICE_BELOW_LIMIT: -4024,
    RejectReason.POSITION_SIDE_MISMATCH: -4061,
    RejectReason.REDUCE_ONLY_REJECTED: -2022,
    RejectReason.INSUFFICIENT_MARGIN: -2019,
    RejectReason.WOULD_TRIGGER_IMMEDIATELY: -2021,
    RejectReason.POST_ONLY_WOULD_TAKE: -5022,
    RejectReason.FOK_NOT_FILLED: -5021,
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: -4116,
    RejectReason.INVALID_CLIENT_ORDER_ID: -4015,
    RejectReason.TOO_MANY_OPEN_ORDERS: -2025,
    RejectReason.TOO_MANY_ALGO_ORDERS: -4045,
    RejectReason.UNKNOWN_ORDER: UNKNOWN_ORDER_SENT,
    RejectReason.NO_MARK_PRICE: UNKNOWN,
    RejectReason.INVALID_CALLBACK_RATE: INVALID_PARAMETER,
    RejectReason.PRICE_SOURCE_IS_COMPUTED: INVALID_PARAMETER,
    RejectReason.INVALID_RATE: INVALID_PARAMETER,
    RejectReason.INVALID_ORDER_TYPE: -1116,
}


def rejected(rejection: Rejection) -> BinanceError:
    """Return the Binance error of an engine refusal."""
    return BinanceError(REASON_CODES.get(rejection.reason, UNKNOWN), rejection.message)


def mandatory(name: str) -> BinanceError:
    return BinanceError(
        MANDATORY_PARAMETER,
        f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
    )


def invalid(name: str) -> BinanceError:
    return BinanceError(INVALID_PARAMETER, f"Data sent for parameter '{name}' is not valid.")
