"""GTIN barcodes (EAN-13, EAN-8, UPC-A) and the variable-measure EAN-13 labels printed by shop scales."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from appliance.core.errors import DomainError

GtinKind = Literal["EAN-13", "EAN-8", "UPC-A"]
BarcodeErrorReason = Literal["empty", "not_digits", "wrong_length", "wrong_check_digit", "value_out_of_range"]
ValueKind = Literal["grams", "pesos"]

_KIND_BY_LENGTH: dict[int, GtinKind] = {13: "EAN-13", 8: "EAN-8", 12: "UPC-A"}
# ASCII only: str.isdigit() and \d also accept "٣" or "³", which no scanner sends and int() would misread.
_DIGITS_RE = re.compile(r"[0-9]+")
_WHITESPACE_RE = re.compile(r"\s+")


class InvalidBarcode(DomainError):
    default_code = "invalid_barcode"

    def __init__(self, message: str, reason: BarcodeErrorReason) -> None:
        super().__init__(message)
        self.reason: BarcodeErrorReason = reason


class InvalidBarcodeLayout(DomainError):
    """A variable-measure layout in the settings that cannot describe a 13-digit label."""

    default_code = "invalid_barcode_layout"


def _normalise(code: str) -> str:
    # Scanners send clean digits; people typing from the label copy its spaces ("7 802820 005509").
    return _WHITESPACE_RE.sub("", code)


def _is_digits(text: str) -> bool:
    return _DIGITS_RE.fullmatch(text) is not None


def ean_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of `body` (the code without its last digit), for any GTIN length.

    Weights 3, 1, 3, … from the rightmost body digit, which is why one function serves EAN-8, UPC-A and EAN-13.
    """
    if not _is_digits(body):
        raise InvalidBarcode(f"«{body}»: el código de barras solo puede tener dígitos.", "not_digits")
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return str(-total % 10)


def validate_barcode(code: str) -> str:
    """Returns the GTIN without spaces, or raises `InvalidBarcode` saying what is wrong with it."""
    normalised = _normalise(code)
    if not normalised:
        raise InvalidBarcode("Ingrese un código de barras.", "empty")
    if not _is_digits(normalised):
        raise InvalidBarcode(f"«{code.strip()}»: el código de barras solo puede tener dígitos.", "not_digits")
    if len(normalised) not in _KIND_BY_LENGTH:
        raise InvalidBarcode(
            f"El código {normalised} tiene {len(normalised)} dígitos; debe tener 8, 12 o 13 dígitos.",
            "wrong_length",
        )
    expected = ean_check_digit(normalised[:-1])
    if normalised[-1] != expected:
        raise InvalidBarcode(
            f"El código {normalised} no es válido: el dígito verificador debería ser {expected}.",
            "wrong_check_digit",
        )
    return normalised


def is_valid_gtin(code: str) -> bool:
    try:
        validate_barcode(code)
    except InvalidBarcode:
        return False
    return True


def gtin_kind(code: str) -> GtinKind:
    """ "EAN-13", "EAN-8" or "UPC-A"; raises `InvalidBarcode` if `code` is not a valid GTIN."""
    return _KIND_BY_LENGTH[len(validate_barcode(code))]


def lookup_keys(code: str) -> list[str]:
    """Every form under which a scanned code may be stored in the catalog, the scanned form first.

    A UPC-A "036000291452" is the same product as the EAN-13 "0036000291452" (same check digit, since a leading
    zero weighs nothing); scanners report either depending on their settings, so look both up. A code that is not
    a valid GTIN (an internal code) is looked up as typed, without spaces.
    """
    normalised = _normalise(code)
    if not is_valid_gtin(normalised):
        return [normalised] if normalised else []
    if len(normalised) == 12:
        return [normalised, "0" + normalised]
    if len(normalised) == 13 and normalised.startswith("0"):
        return [normalised, normalised[1:]]
    return [normalised]


# --- Variable-measure codes (GS1 prefixes 20–29) -----------------------------------------------------------------


@dataclass(frozen=True)
class VariableMeasureLayout:
    """How a shop's scales lay out a 13-digit label: prefix + PLU + value + EAN check digit.

    E.g. prefix "20", plu_length 5, grams: "20" "00123" "01250" C is PLU 00123 weighing 1,250 kg. Layouts vary by
    scale brand and configuration, so they are settings rather than constants.
    """

    prefix: str
    plu_length: int
    value_kind: ValueKind
    name: str = ""

    def __post_init__(self) -> None:
        if not (1 <= len(self.prefix) <= 2 and _is_digits(self.prefix) and self.prefix.startswith("2")):
            raise InvalidBarcodeLayout(
                f"Prefijo «{self.prefix}» no válido: debe tener 1 o 2 dígitos y empezar con 2 (códigos 20 a 29)."
            )
        if not 4 <= self.plu_length <= 6:
            raise InvalidBarcodeLayout(f"El PLU debe tener entre 4 y 6 dígitos, no {self.plu_length}.")
        if not 4 <= self.value_length <= 6:
            raise InvalidBarcodeLayout(
                f"Con el prefijo «{self.prefix}» y un PLU de {self.plu_length} dígitos quedan {self.value_length}"
                " para el peso o precio; deben ser entre 4 y 6."
            )
        if self.value_kind not in ("grams", "pesos"):
            raise InvalidBarcodeLayout(f"Tipo de valor «{self.value_kind}» no válido: debe ser gramos o pesos.")

    @property
    def value_length(self) -> int:
        return 12 - len(self.prefix) - self.plu_length


@dataclass(frozen=True)
class VariableMeasureScan:
    """What a scale label says. Exactly one of `grams` (also the milli-units of a kg item) and `pesos` is set."""

    plu: str
    grams: int | None
    pesos: int | None
    layout: VariableMeasureLayout


def parse_variable_measure(code: str, layouts: Sequence[VariableMeasureLayout]) -> VariableMeasureScan | None:
    """Reads a scale label, or returns None when `code` is not one (not 13 digits, or no layout's prefix matches).

    The longest matching prefix wins, so a shop can use "2" for one scale and "29" for another; between layouts with
    the same prefix the first one wins. A label whose check digit is wrong raises `InvalidBarcode`: a misread label
    must not silently become a normal product lookup.
    """
    normalised = _normalise(code)
    if len(normalised) != 13 or not _is_digits(normalised):
        return None
    matching = [layout for layout in layouts if normalised.startswith(layout.prefix)]
    if not matching:
        return None
    layout = max(matching, key=lambda candidate: len(candidate.prefix))  # max keeps the first of equals
    validate_barcode(normalised)
    plu_start = len(layout.prefix)
    value_start = plu_start + layout.plu_length
    plu = normalised[plu_start:value_start]
    value = int(normalised[value_start:12])
    if layout.value_kind == "grams":
        return VariableMeasureScan(plu=plu, grams=value, pesos=None, layout=layout)
    return VariableMeasureScan(plu=plu, grams=None, pesos=value, layout=layout)


def build_variable_measure(layout: VariableMeasureLayout, plu: str, value: int) -> str:
    """The 13-digit label a scale would print: for tests and the demo's scale labels.

    A PLU shorter than the layout's is padded with leading zeros ("123" → "00123").
    """
    if not _is_digits(plu) or len(plu) > layout.plu_length:
        raise InvalidBarcode(f"El PLU «{plu}» debe tener hasta {layout.plu_length} dígitos.", "value_out_of_range")
    if not 0 <= value < 10**layout.value_length:
        unit = "gramos" if layout.value_kind == "grams" else "pesos"
        raise InvalidBarcode(
            f"{value} {unit} no cabe en los {layout.value_length} dígitos de la etiqueta.", "value_out_of_range"
        )
    body = f"{layout.prefix}{plu.zfill(layout.plu_length)}{value:0{layout.value_length}d}"
    return body + ean_check_digit(body)
