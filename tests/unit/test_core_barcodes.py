import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.barcodes import (
    InvalidBarcode,
    InvalidBarcodeLayout,
    VariableMeasureLayout,
    VariableMeasureScan,
    build_variable_measure,
    ean_check_digit,
    gtin_kind,
    is_valid_gtin,
    lookup_keys,
    parse_variable_measure,
    validate_barcode,
)

# Check digits worked out by hand (weights 3,1,3,… from the right) and matching the published examples.
REAL_CODES = [
    ("7802820005509", "EAN-13"),  # a Chilean (780) product
    ("4006381333931", "EAN-13"),  # the usual EAN-13 example
    ("5901234123457", "EAN-13"),  # GS1's example
    ("036000291452", "UPC-A"),
    ("96385074", "EAN-8"),
]


@pytest.mark.parametrize(("code", "kind"), REAL_CODES)
def test_real_codes(code: str, kind: str) -> None:
    assert ean_check_digit(code[:-1]) == code[-1]
    assert is_valid_gtin(code)
    assert validate_barcode(code) == code
    assert gtin_kind(code) == kind


def test_check_digit_of_other_lengths() -> None:
    assert ean_check_digit("200012301250") == "6"
    assert ean_check_digit("78028200055") == "3"
    assert ean_check_digit("0") == "0"


def test_check_digit_needs_digits() -> None:
    with pytest.raises(InvalidBarcode):
        ean_check_digit("78028200055X")
    with pytest.raises(InvalidBarcode):
        ean_check_digit("")


def test_validate_strips_spaces() -> None:
    assert validate_barcode(" 7 802820 005509\n") == "7802820005509"


def test_wrong_check_digit_message() -> None:
    with pytest.raises(InvalidBarcode) as caught:
        validate_barcode("7802820005508")
    assert caught.value.message == "El código 7802820005508 no es válido: el dígito verificador debería ser 9."
    assert caught.value.reason == "wrong_check_digit"
    assert caught.value.code == "invalid_barcode"


@pytest.mark.parametrize(
    ("code", "reason", "fragment"),
    [
        ("", "empty", "Ingrese un código"),
        ("78028200O5509", "not_digits", "solo puede tener dígitos"),
        ("７８０２８２０００５５０９", "not_digits", "solo puede tener dígitos"),
        ("1234567", "wrong_length", "debe tener 8, 12 o 13 dígitos"),
        ("78028200055093", "wrong_length", "tiene 14 dígitos"),
        ("036000291453", "wrong_check_digit", "debería ser 2"),
    ],
)
def test_validate_rejects(code: str, reason: str, fragment: str) -> None:
    with pytest.raises(InvalidBarcode) as caught:
        validate_barcode(code)
    assert caught.value.reason == reason
    assert fragment in caught.value.message
    assert not is_valid_gtin(code)


def test_gtin_kind_rejects_invalid() -> None:
    with pytest.raises(InvalidBarcode):
        gtin_kind("7802820005508")


def test_upc_a_and_ean_13_are_the_same_product() -> None:
    assert lookup_keys("036000291452") == ["036000291452", "0036000291452"]
    assert lookup_keys("0036000291452") == ["0036000291452", "036000291452"]
    assert is_valid_gtin("0036000291452")
    assert lookup_keys("7802820005509") == ["7802820005509"]
    assert lookup_keys("96385074") == ["96385074"]


def test_lookup_keys_of_internal_codes() -> None:
    assert lookup_keys(" 1234 ") == ["1234"]
    assert lookup_keys("036000291453") == ["036000291453"]  # not a valid UPC-A: no equivalent to invent
    assert lookup_keys("") == []


@st.composite
def bodies(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([7, 11, 12]))
    return draw(st.text(alphabet="0123456789", min_size=length, max_size=length))


@given(bodies())
def test_body_plus_check_digit_validates(body: str) -> None:
    code = body + ean_check_digit(body)
    assert validate_barcode(code) == code


@given(bodies(), st.data())
def test_any_single_changed_digit_fails(body: str, data: st.DataObject) -> None:
    code = body + ean_check_digit(body)
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_gtin(changed)


# --- Variable measure ----------------------------------------------------------------------------------------------

GRAMS_20 = VariableMeasureLayout(prefix="20", plu_length=5, value_kind="grams", name="Balanza fiambrería")
PESOS_2 = VariableMeasureLayout(prefix="2", plu_length=5, value_kind="pesos", name="Balanza panadería")
PESOS_27 = VariableMeasureLayout(prefix="27", plu_length=4, value_kind="pesos")


def test_grams_label() -> None:
    code = "2000123012506"
    assert build_variable_measure(GRAMS_20, "00123", 1250) == code
    scan = parse_variable_measure(code, [GRAMS_20])
    assert scan == VariableMeasureScan(plu="00123", grams=1250, pesos=None, layout=GRAMS_20)


def test_pesos_label() -> None:
    code = "2104560029902"
    assert build_variable_measure(PESOS_2, "10456", 2990) == code
    assert parse_variable_measure(code, [PESOS_2]) == VariableMeasureScan(
        plu="10456", grams=None, pesos=2990, layout=PESOS_2
    )


def test_several_layouts_longest_prefix_wins() -> None:
    layouts = [PESOS_2, GRAMS_20, PESOS_27]
    grams = parse_variable_measure("2000123012506", layouts)
    assert grams is not None
    assert grams.layout is GRAMS_20
    assert (grams.plu, grams.grams, grams.pesos) == ("00123", 1250, None)

    pesos = parse_variable_measure("2104560029902", layouts)
    assert pesos is not None
    assert pesos.layout is PESOS_2
    assert (pesos.plu, pesos.grams, pesos.pesos) == ("10456", None, 2990)

    code = build_variable_measure(PESOS_27, "0077", 1990)
    assert code == "2700770019902"
    bread = parse_variable_measure(code, layouts)
    assert bread == VariableMeasureScan(plu="0077", grams=None, pesos=1990, layout=PESOS_27)


def test_same_prefix_first_layout_wins() -> None:
    other = VariableMeasureLayout(prefix="20", plu_length=5, value_kind="pesos")
    scan = parse_variable_measure("2000123012506", [GRAMS_20, other])
    assert scan is not None
    assert scan.layout is GRAMS_20


@pytest.mark.parametrize(
    "code",
    [
        "7802820005509",  # an ordinary product: no layout's prefix
        "036000291452",  # 12 digits
        "200012301250",  # 12 digits, the check digit missing
        "20001230125O6",
        "",
    ],
)
def test_not_a_variable_measure_code(code: str) -> None:
    assert parse_variable_measure(code, [GRAMS_20, PESOS_27]) is None


def test_no_layouts_configured() -> None:
    assert parse_variable_measure("2000123012506", []) is None


def test_variable_measure_wrong_check_digit() -> None:
    with pytest.raises(InvalidBarcode, match="debería ser 6"):
        parse_variable_measure("2000123012507", [GRAMS_20])


def test_build_pads_the_plu() -> None:
    assert build_variable_measure(GRAMS_20, "123", 1250) == "2000123012506"


@pytest.mark.parametrize(("plu", "value"), [("123456", 1), ("12a", 1), ("00123", 100_000), ("00123", -1)])
def test_build_rejects_what_does_not_fit(plu: str, value: int) -> None:
    with pytest.raises(InvalidBarcode):
        build_variable_measure(GRAMS_20, plu, value)


@pytest.mark.parametrize(
    ("prefix", "plu_length", "fragment"),
    [
        ("19", 5, "empezar con 2"),
        ("", 5, "Prefijo"),
        ("200", 4, "Prefijo"),
        ("2a", 5, "Prefijo"),
        ("20", 3, "entre 4 y 6 dígitos"),
        ("20", 7, "entre 4 y 6 dígitos"),
        ("2", 4, "quedan 7"),  # 12 - 1 - 4: too many digits left for the value
    ],
)
def test_invalid_layouts(prefix: str, plu_length: int, fragment: str) -> None:
    with pytest.raises(InvalidBarcodeLayout) as caught:
        VariableMeasureLayout(prefix=prefix, plu_length=plu_length, value_kind="grams")
    assert fragment in caught.value.message
    assert caught.value.code == "invalid_barcode_layout"


def test_layout_value_lengths() -> None:
    assert GRAMS_20.value_length == 5
    assert PESOS_2.value_length == 6
    assert PESOS_27.value_length == 6


@st.composite
def layouts_plus_and_values(draw: st.DrawFn) -> tuple[VariableMeasureLayout, str, int]:
    prefix = draw(st.sampled_from(["2", *(f"2{d}" for d in range(10))]))
    plu_length = draw(st.sampled_from([n for n in (4, 5, 6) if 4 <= 12 - len(prefix) - n <= 6]))
    layout = VariableMeasureLayout(prefix, plu_length, draw(st.sampled_from(["grams", "pesos"])))
    plu = draw(st.text(alphabet="0123456789", min_size=plu_length, max_size=plu_length))
    value = draw(st.integers(min_value=0, max_value=10**layout.value_length - 1))
    return layout, plu, value


@given(layouts_plus_and_values())
def test_build_parse_round_trip(case: tuple[VariableMeasureLayout, str, int]) -> None:
    layout, plu, value = case
    code = build_variable_measure(layout, plu, value)
    assert len(code) == 13
    assert gtin_kind(code) == "EAN-13"
    scan = parse_variable_measure(code, [layout])
    assert scan is not None
    assert scan.plu == plu
    assert scan.layout == layout
    assert (scan.grams if layout.value_kind == "grams" else scan.pesos) == value
    assert (scan.pesos if layout.value_kind == "grams" else scan.grams) is None
