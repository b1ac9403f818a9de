import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.errors import DomainError
from appliance.core.rut import ANONYMOUS_RUT, SII_RUT, InvalidRut, Rut, compute_dv, is_valid_rut


@pytest.mark.parametrize(
    ("number", "dv"),
    [
        (12_345_678, "5"),
        (66_666_666, "6"),  # anonymous buyer on a boleta
        (60_803_000, "K"),  # the SII
        (76_086_428, "5"),
        (9_000_008, "K"),
        (10_000_013, "K"),
        (15_000_013, "0"),
        (76_000_000, "0"),
        (7_654_321, "6"),
        (1, "9"),
    ],
)
def test_compute_dv(number: int, dv: str) -> None:
    assert compute_dv(number) == dv


@pytest.mark.parametrize(
    "text",
    ["12.345.678-5", "12345678-5", "123456785", " 12345678-5 ", "012.345.678-5"],
)
def test_parse_accepted_forms(text: str) -> None:
    assert Rut.parse(text) == Rut(12_345_678, "5")


@pytest.mark.parametrize("text", [" 60803000-k ", "60.803.000-K", "60803000k", "60803000K"])
def test_parse_k_in_either_case(text: str) -> None:
    rut = Rut.parse(text)
    assert rut == SII_RUT
    assert rut.dv == "K"


def test_known_ruts() -> None:
    assert Rut.parse("66666666-6") == ANONYMOUS_RUT
    assert Rut.parse("60803000-K") == SII_RUT
    assert Rut.parse("15.000.013-0").dv == "0"
    assert Rut.parse("9.000.008-k").formatted == "9.000.008-K"


def test_formats() -> None:
    rut = Rut.parse("123456785")
    assert rut.formatted == "12.345.678-5"
    assert rut.compact == "12345678-5"
    assert str(rut) == "12.345.678-5"
    assert Rut.parse("1-9").formatted == "1-9"
    assert Rut.parse("7654321-6").formatted == "7.654.321-6"


def test_wrong_dv_says_which_is_right() -> None:
    with pytest.raises(InvalidRut) as caught:
        Rut.parse("12.345.678-9")
    assert caught.value.message == "El dígito verificador no corresponde: para 12.345.678 debería ser 5."
    assert caught.value.reason == "wrong_dv"
    assert caught.value.code == "invalid_rut"
    assert isinstance(caught.value, DomainError)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty(text: str) -> None:
    with pytest.raises(InvalidRut) as caught:
        Rut.parse(text)
    assert caught.value.reason == "empty"
    assert caught.value.message == "Ingrese un RUT."


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "12.345.678",  # no dv: grouped digits must end in "-dv"
        "12.345.6785",
        "1.2.3-4",
        "12345678-",
        "12345678-55",
        "12,345,678-5",
        "0-0",
        "123456789-2",  # 9 digits: beyond the SII's RUTType
        "12.345.678-X",
        "１２３４５６７８-５",  # full-width digits
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(InvalidRut) as caught:
        Rut.parse(text)
    assert caught.value.reason == "malformed"
    assert "no es un RUT válido" in caught.value.message


def test_direct_construction_validates_and_normalises() -> None:
    assert Rut(60_803_000, "k").dv == "K"
    with pytest.raises(InvalidRut):
        Rut(12_345_678, "4")
    with pytest.raises(InvalidRut):
        Rut(0, "0")
    with pytest.raises(InvalidRut):
        Rut(100_000_000, compute_dv(100_000_000))


def test_is_valid_rut() -> None:
    assert is_valid_rut("66.666.666-6")
    assert not is_valid_rut("66.666.666-7")
    assert not is_valid_rut("")


def test_compute_dv_rejects_negative() -> None:
    with pytest.raises(ValueError):
        compute_dv(-1)


numbers = st.integers(min_value=1, max_value=99_999_999)


@given(numbers)
def test_format_parse_round_trip(number: int) -> None:
    rut = Rut(number, compute_dv(number))
    assert Rut.parse(rut.formatted) == rut
    assert Rut.parse(rut.compact) == rut
    assert Rut.parse(rut.compact.replace("-", "").lower()) == rut


@given(numbers, st.sampled_from("0123456789K"))
def test_only_the_computed_dv_is_accepted(number: int, dv: str) -> None:
    assert is_valid_rut(f"{number}-{dv}") == (dv == compute_dv(number))
