"""Exact quantities as integer milli-units: 1 unit = 1000, 1 kg = 1000 (so milli-units of a weighed item are grams)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from appliance.core.errors import DomainError
from appliance.core.money import round_half_up

MILLI = 1000
# Far above any real sale line; mainly catches a barcode scanned into the quantity field.
MAX_QUANTITY = 99_999

QuantityErrorReason = Literal["empty", "malformed", "not_whole", "too_precise", "zero", "too_large"]

_WHOLE_RE = re.compile(r"[0-9]+")
# Comma is the Chilean decimal separator; a dot is accepted too because scales and habit print "1.25".
_DECIMAL_RE = re.compile(r"(?P<whole>[0-9]*)(?:[.,](?P<frac>[0-9]*))?")
_KG_SUFFIX_RE = re.compile(r"\s*kgs?\.?$", re.IGNORECASE)


class InvalidQuantity(DomainError):
    default_code = "invalid_quantity"

    def __init__(self, message: str, reason: QuantityErrorReason) -> None:
        super().__init__(message)
        self.reason: QuantityErrorReason = reason


def parse_quantity(text: str, *, weighed: bool, allow_zero: bool = False) -> int:
    """Reads a quantity typed by a person and returns milli-units.

    Unit items take whole numbers only ("3" → 3000). Weighed items take kilograms with up to 3 decimals, comma or
    dot as the separator, and an optional "kg": "1,250" and "1.25" → 1250. Negative quantities are never typed (returns
    are their own flow); zero is refused unless `allow_zero` (e.g. a stock count that found none).
    """
    shown = text.strip()
    cleaned = shown
    if not cleaned:
        raise InvalidQuantity("Ingrese una cantidad.", "empty")
    if weighed:
        cleaned = _KG_SUFFIX_RE.sub("", cleaned)
        match = _DECIMAL_RE.fullmatch(cleaned)
        if match is None or not (match["whole"] or match["frac"]):
            raise InvalidQuantity(
                f"«{shown}» no es una cantidad válida. Escriba los kilos, por ejemplo 1,250.", "malformed"
            )
        whole, frac = match["whole"] or "0", match["frac"] or ""
        if len(frac) > 3:
            raise InvalidQuantity(
                f"«{shown}»: la cantidad admite hasta 3 decimales (gramos), por ejemplo 1,250.", "too_precise"
            )
        if len(whole.lstrip("0")) > len(str(MAX_QUANTITY)):
            raise _too_large(shown)
        milli = int(whole) * MILLI + int(frac.ljust(3, "0"))
    else:
        if _WHOLE_RE.fullmatch(cleaned) is None:
            if _DECIMAL_RE.fullmatch(cleaned) is not None:
                raise InvalidQuantity(
                    f"«{shown}»: este producto se vende por unidad; la cantidad debe ser un número entero.",
                    "not_whole",
                )
            raise InvalidQuantity(
                f"«{shown}» no es una cantidad válida. Escriba un número, por ejemplo 3.", "malformed"
            )
        if len(cleaned.lstrip("0")) > len(str(MAX_QUANTITY)):
            raise _too_large(shown)
        milli = int(cleaned) * MILLI
    if milli > MAX_QUANTITY * MILLI:
        raise _too_large(shown)
    if milli == 0 and not allow_zero:
        raise InvalidQuantity("La cantidad debe ser mayor que cero.", "zero")
    return milli


def _too_large(shown: str) -> InvalidQuantity:
    return InvalidQuantity(
        f"«{shown}»: la cantidad es demasiado grande (¿se escaneó un código de barras en la cantidad?).", "too_large"
    )


def format_quantity(milli: int, *, weighed: bool) -> str:
    """ "3" for unit items, "1,250 kg" for weighed ones (always grams shown, so 1 kg reads "1,000 kg")."""
    sign = "-" if milli < 0 else ""
    whole, frac = divmod(abs(milli), MILLI)
    if weighed:
        return f"{sign}{whole},{frac:03d} kg"
    if frac == 0:
        return f"{sign}{whole}"
    # A unit item should never hold a fraction; show it exactly rather than hide it.
    return f"{sign}{whole},{f'{frac:03d}'.rstrip('0')}"


def line_amount(unit_price: int, milli_qty: int) -> int:
    """Price × quantity in whole pesos, rounded half up as the SII checks MontoItem: 1990 × 1,250 kg → 2488."""
    return round_half_up(Decimal(unit_price * milli_qty).scaleb(-3))
