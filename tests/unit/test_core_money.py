from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.money import (
    IVA_RATE,
    InvalidAmount,
    cash_rounding,
    format_clp,
    iva_on_net,
    parse_clp,
    round_half_up,
    split_gross,
)


def test_half_up_where_python_rounds_to_even() -> None:
    assert round(1492.5) == 1492  # banker's rounding: what the SII does not do
    assert round_half_up(Decimal("1492.5")) == 1493
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.4999")) == 2
    assert round_half_up(Decimal("-2.5")) == -3  # away from zero, symmetric for credit notes
    assert round_half_up(7) == 7


def test_round_half_up_refuses_floats() -> None:
    with pytest.raises(TypeError):
        round_half_up(2.5)  # type: ignore[arg-type]


def test_boleta_example_from_notes() -> None:
    gross = 2 * 1000 + 1 * 1500 + 3 * 500
    assert gross == 5000
    assert split_gross(gross) == (4202, 798)


def test_factura_example_from_notes() -> None:
    neto = 450 * 70
    assert neto == 31_500
    assert iva_on_net(neto) == 5985
    assert neto + iva_on_net(neto) == 37_485
    assert iva_on_net(1000) == 190


def test_split_gross_small_and_other_rates() -> None:
    assert split_gross(0) == (0, 0)
    assert split_gross(1) == (1, 0)  # 0,84 → 1
    assert split_gross(119) == (100, 19)
    assert split_gross(1190, Decimal("0")) == (1190, 0)
    assert split_gross(-5000) == (-4202, -798)
    assert Decimal("0.19") == IVA_RATE


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "$0"), (5, "$5"), (500, "$500"), (1000, "$1.000"), (1_234_567, "$1.234.567"), (-500, "-$500")],
)
def test_format_clp(amount: int, text: str) -> None:
    assert format_clp(amount) == text


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234", 1234),
        ("1.234", 1234),
        ("$ 1.234", 1234),
        ("$1.234.567", 1_234_567),
        (" 990 ", 990),
        ("0", 0),
        ("007", 7),
    ],
)
def test_parse_clp(text: str, amount: int) -> None:
    assert parse_clp(text) == amount


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("12,5", "decimals"),
        ("1.234,00", "decimals"),
        ("abc", "malformed"),
        ("12a", "malformed"),
        ("1.23", "malformed"),
        ("1234.567", "malformed"),
        ("$", "malformed"),
        ("１２", "malformed"),  # full-width digits
        ("7802820005509", "too_large"),  # a barcode scanned into the amount field
        ("-500", "negative"),
        ("-$500", "negative"),
    ],
)
def test_parse_clp_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_clp(text)
    assert caught.value.reason == reason
    assert caught.value.code == "invalid_amount"


def test_parse_clp_messages_are_spanish() -> None:
    with pytest.raises(InvalidAmount, match="no llevan decimales"):
        parse_clp("12,5")
    with pytest.raises(InvalidAmount, match="Ingrese un monto"):
        parse_clp("")


def test_parse_clp_negative_when_allowed() -> None:
    assert parse_clp("-$500", allow_negative=True) == -500
    assert parse_clp("$-1.500", allow_negative=True) == -1500
    assert parse_clp("-0") == 0


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        (1230, 1230),
        (1231, 1230),
        (1235, 1230),
        (1236, 1240),
        (1239, 1240),
        (5, 0),
        (6, 10),
        (0, 0),
        (-1235, -1230),
        (-1236, -1240),
    ],
)
def test_cash_rounding(amount: int, rounded: int) -> None:
    assert cash_rounding(amount) == rounded


@given(st.integers(min_value=0, max_value=10**12))
def test_neto_plus_iva_is_gross(gross: int) -> None:
    neto, iva = split_gross(gross)
    assert neto + iva == gross
    assert 0 <= iva <= neto or gross == 0
    # neto is the nearest peso to gross / 1,19
    assert abs(Decimal(gross) - neto * (1 + IVA_RATE)) <= Decimal("0.595")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_cash_rounding_properties(amount: int) -> None:
    rounded = cash_rounding(amount)
    assert rounded % 10 == 0
    assert abs(rounded - amount) <= 5
    assert cash_rounding(-amount) == -rounded


@given(st.integers(min_value=-(10**12) + 1, max_value=10**12 - 1))
def test_format_parse_round_trip(amount: int) -> None:
    assert parse_clp(format_clp(amount), allow_negative=True) == amount
