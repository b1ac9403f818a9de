import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.quantity import MAX_QUANTITY, InvalidQuantity, format_quantity, line_amount, parse_quantity


@pytest.mark.parametrize(
    ("text", "milli"),
    [("3", 3000), (" 12 ", 12_000), ("1", 1000), ("03", 3000)],
)
def test_unit_quantities(text: str, milli: int) -> None:
    assert parse_quantity(text, weighed=False) == milli


@pytest.mark.parametrize(
    ("text", "milli"),
    [
        ("1,250", 1250),
        ("1.25", 1250),
        ("1.250", 1250),  # a dot is a decimal separator for kilos: nobody weighs 1.250 kg at a counter
        ("0,5", 500),
        (",5", 500),
        ("2", 2000),
        ("2,", 2000),
        ("0,005", 5),
        ("1,250 kg", 1250),
        ("1,250kg", 1250),
        ("3 KG", 3000),
    ],
)
def test_weighed_quantities(text: str, milli: int) -> None:
    assert parse_quantity(text, weighed=True) == milli


@pytest.mark.parametrize(
    ("text", "weighed", "reason"),
    [
        ("", False, "empty"),
        ("  ", True, "empty"),
        ("1,5", False, "not_whole"),
        ("1.5", False, "not_whole"),
        ("tres", False, "malformed"),
        ("-3", False, "malformed"),
        ("-1,5", True, "malformed"),
        ("1,2345", True, "too_precise"),
        ("1.234,5", True, "malformed"),
        ("1,2,3", True, "malformed"),
        (",", True, "malformed"),
        ("kg", True, "malformed"),
        ("0", False, "zero"),
        ("0,000", True, "zero"),
        ("7802820005509", False, "too_large"),
        ("7802820005509", True, "too_large"),
        (str(MAX_QUANTITY + 1), False, "too_large"),
    ],
)
def test_rejected(text: str, weighed: bool, reason: str) -> None:
    with pytest.raises(InvalidQuantity) as caught:
        parse_quantity(text, weighed=weighed)
    assert caught.value.reason == reason
    assert caught.value.code == "invalid_quantity"


def test_messages_are_spanish() -> None:
    with pytest.raises(InvalidQuantity, match="hasta 3 decimales"):
        parse_quantity("1,2345", weighed=True)
    with pytest.raises(InvalidQuantity, match="se vende por unidad"):
        parse_quantity("1,5", weighed=False)


def test_zero_when_allowed() -> None:
    assert parse_quantity("0", weighed=False, allow_zero=True) == 0
    assert parse_quantity("0,000", weighed=True, allow_zero=True) == 0


@pytest.mark.parametrize(
    ("milli", "weighed", "text"),
    [
        (3000, False, "3"),
        (0, False, "0"),
        (1250, True, "1,250 kg"),
        (1000, True, "1,000 kg"),
        (5, True, "0,005 kg"),
        (-1250, True, "-1,250 kg"),
        (-2000, False, "-2"),
        (1500, False, "1,5"),  # should not happen for a unit item, but is shown exactly
    ],
)
def test_format_quantity(milli: int, weighed: bool, text: str) -> None:
    assert format_quantity(milli, weighed=weighed) == text


@pytest.mark.parametrize(
    ("price", "milli", "amount"),
    [
        (1000, 2000, 2000),
        (1990, 1250, 2488),  # 2487,5 rounds up
        (2990, 333, 996),  # 995,67
        (1500, 1, 2),  # 1,5 rounds up
        (990, 0, 0),
        (-1990, 1250, -2488),
    ],
)
def test_line_amount(price: int, milli: int, amount: int) -> None:
    assert line_amount(price, milli) == amount


@given(st.integers(min_value=1, max_value=MAX_QUANTITY * 1000), st.booleans())
def test_weighed_format_parse_round_trip(milli: int, dot: bool) -> None:
    text = format_quantity(milli, weighed=True)
    assert parse_quantity(text, weighed=True) == milli
    assert parse_quantity(text.removesuffix(" kg").replace(",", "." if dot else ","), weighed=True) == milli


@given(st.integers(min_value=1, max_value=MAX_QUANTITY))
def test_unit_format_parse_round_trip(units: int) -> None:
    assert parse_quantity(format_quantity(units * 1000, weighed=False), weighed=False) == units * 1000


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**7))
def test_line_amount_is_within_half_a_peso(price: int, milli: int) -> None:
    assert abs(line_amount(price, milli) * 1000 - price * milli) <= 500
