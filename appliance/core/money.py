"""Money is an `int` of Chilean pesos. Fractions appear only inside a computation and are rounded as the SII does."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from appliance.core.errors import DomainError

IVA_RATE = Decimal("0.19")

# Big enough for any shop total, small enough to catch a barcode typed into an amount field.
MAX_AMOUNT_DIGITS = 12

_ONE = Decimal(1)
# Plain digits, or thousands grouped with dots the Chilean way ("1.234.567").
_AMOUNT_RE = re.compile(r"[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+")


AmountErrorReason = Literal["empty", "decimals", "malformed", "too_large", "negative"]


class InvalidAmount(DomainError):
    default_code = "invalid_amount"

    def __init__(self, message: str, reason: AmountErrorReason) -> None:
        super().__init__(message)
        self.reason: AmountErrorReason = reason


def round_half_up(value: Decimal | int) -> int:
    """Rounds to whole pesos, halves away from zero: 1492.5 → 1493 (Python's `round` gives 1492; the SII, 1493)."""
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        # A float has already lost the exact value; refuse it rather than round a binary approximation.
        raise TypeError(f"round_half_up needs a Decimal or an int, not {type(value).__name__}")
    return int(Decimal(value).quantize(_ONE, rounding=ROUND_HALF_UP))


def split_gross(gross: int, rate: Decimal = IVA_RATE) -> tuple[int, int]:
    """Splits an IVA-inclusive amount (a boleta's total afecto) into (neto, iva); iva takes the rounding remainder.

    5000 → (4202, 798). The two always add up to `gross`, so the document's total is never off by a peso.
    """
    if rate < 0:
        raise ValueError(f"a tax rate cannot be negative: {rate}")
    neto = round_half_up(Decimal(gross) / (_ONE + rate))
    return neto, gross - neto


def iva_on_net(neto: int, rate: Decimal = IVA_RATE) -> int:
    """The IVA on a net amount (a factura's MntNeto): 31500 → 5985."""
    if rate < 0:
        raise ValueError(f"a tax rate cannot be negative: {rate}")
    return round_half_up(Decimal(neto) * rate)


def format_clp(amount: int) -> str:
    """ "$1.234.567", "$0", "-$500"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}".replace(",", ".")


def parse_clp(text: str, *, allow_negative: bool = False) -> int:
    """Reads what a cashier types into an amount field: "1234", "1.234", "$ 1.234", "$1.234.567".

    Pesos have no decimals, so "12,5" is refused rather than guessed. Negative amounts ("-$500", "-500") are read
    only with `allow_negative`, for the few screens (refunds, adjustments) that need them.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidAmount("Ingrese un monto.", "empty")
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:].lstrip()
    if cleaned.startswith("$"):
        cleaned = cleaned[1:].lstrip()
    if not negative and cleaned.startswith("-"):  # "$-500"
        negative = True
        cleaned = cleaned[1:].lstrip()
    if "," in cleaned:
        raise InvalidAmount(f"«{text.strip()}»: los montos en pesos no llevan decimales.", "decimals")
    if _AMOUNT_RE.fullmatch(cleaned) is None:
        raise InvalidAmount(
            f"«{text.strip()}» no es un monto válido. Escriba solo números, por ejemplo 1.990.", "malformed"
        )
    digits = cleaned.replace(".", "").lstrip("0") or "0"
    if len(digits) > MAX_AMOUNT_DIGITS:
        raise InvalidAmount(f"«{text.strip()}»: el monto es demasiado grande.", "too_large")
    amount = int(digits)
    if negative and amount != 0:
        if not allow_negative:
            raise InvalidAmount("El monto no puede ser negativo.", "negative")
        amount = -amount
    return amount


def cash_rounding(amount: int) -> int:
    """Rounds a cash payment to the ten (Ley 20.956): a last digit 1–5 rounds down, 6–9 up; 1235 → 1230, 1236 → 1240.

    Only for what is paid in cash: card and transfer payments, and the document's own total, stay exact. Negative
    amounts (cash refunds) round symmetrically: -1236 → -1240.
    """
    magnitude = abs(amount)
    last = magnitude % 10
    rounded = magnitude - last + (10 if last >= 6 else 0)
    return -rounded if amount < 0 else rounded
