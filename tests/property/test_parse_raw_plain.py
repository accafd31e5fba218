"""Plain decimal text is read in integers, exactly as Decimal's reading of it (value or error)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from liquidator.core.money.fixed import _decimal_raw, parse_raw

PLAIN = st.from_regex(r"-?[0-9]{0,22}(\.[0-9]{0,12})?", fullmatch=True)
NEAR = st.text(alphabet="-+.0123456789 _e\u0663\u00b2", max_size=14)


def _reading(read: object, text: str) -> tuple[str, object]:
    try:
        return "value", read(text)  # type: ignore[operator]
    except (ValueError, TypeError) as error:
        return type(error).__name__, str(error)


@given(PLAIN | NEAR | st.text(max_size=10))
@example("-0")
@example("0.000000001")
@example("0.000000010")
@example("99999999999999999999.99999999")
@example("100000000000000000000")
@example("-.5")
@example("5.")
@example("1_0")
def test_plain_text_reads_as_decimal_reads_it(text: str) -> None:
    assert _reading(parse_raw, text) == _reading(_decimal_raw, text)


def test_the_fast_reading_is_exact() -> None:
    assert parse_raw("60000.10") == 6_000_010_000_000
    assert parse_raw("-0.00000001") == -1
    assert parse_raw("0.002000000000") == 200_000
