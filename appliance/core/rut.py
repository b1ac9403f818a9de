"""The Chilean RUT (Rol Único Tributario): a number and its módulo-11 verification digit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from appliance.core.errors import DomainError

# The SII's schemas allow at most 8 digits before the verification digit (RUTType `[0-9]{1,8}-([0-9]|K)`).
MAX_RUT_NUMBER = 99_999_999

RutErrorReason = Literal["empty", "malformed", "wrong_dv"]

# Either correctly grouped thousands with a mandatory dash ("12.345.678-5"), or plain digits with an optional dash
# ("12345678-5", "123456785"). Requiring the dash after dots avoids reading "12.345.6785" as a RUT.
_RUT_RE = re.compile(r"(?:(?P<grouped>[0-9]{1,3}(?:\.[0-9]{3})+)-|(?P<plain>[0-9]+)-?)(?P<dv>[0-9K])")


class InvalidRut(DomainError):
    default_code = "invalid_rut"

    def __init__(self, message: str, reason: RutErrorReason) -> None:
        super().__init__(message)
        # Lets the API say more than "invalid_rut" without multiplying codes.
        self.reason: RutErrorReason = reason


def compute_dv(number: int) -> str:
    """The verification digit of `number`: módulo 11 with weights 2..7 from the right; 10 → 'K', 11 → '0'."""
    if number < 0:
        raise ValueError(f"a RUT number cannot be negative: {number}")
    total = 0
    weight = 2
    while number:
        total += (number % 10) * weight
        number //= 10
        weight = 2 if weight == 7 else weight + 1
    remainder = 11 - total % 11
    if remainder == 11:
        return "0"
    if remainder == 10:
        return "K"
    return str(remainder)


def _group_thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


@dataclass(frozen=True)
class Rut:
    """A valid RUT. Build it with `Rut.parse` from user input; constructing it directly also validates."""

    number: int
    dv: str

    def __post_init__(self) -> None:
        if not 1 <= self.number <= MAX_RUT_NUMBER:
            raise InvalidRut(f"El número de RUT {self.number} está fuera de rango.", "malformed")
        dv = self.dv.strip().upper()
        if dv != self.dv:
            object.__setattr__(self, "dv", dv)
        expected = compute_dv(self.number)
        if dv != expected:
            raise InvalidRut(
                f"El dígito verificador no corresponde: para {_group_thousands(self.number)} debería ser {expected}.",
                "wrong_dv",
            )

    @classmethod
    def parse(cls, text: str) -> Rut:
        """Reads "12.345.678-5", "12345678-5", "123456785" or " 12345678-k " (surrounding spaces, lower-case k)."""
        cleaned = text.strip().upper()
        if not cleaned:
            raise InvalidRut("Ingrese un RUT.", "empty")
        match = _RUT_RE.fullmatch(cleaned)
        if match is None:
            raise InvalidRut(
                f"«{text.strip()}» no es un RUT válido. Escríbalo como 12.345.678-5.",
                "malformed",
            )
        digits = (match["grouped"] or match["plain"]).replace(".", "").lstrip("0")
        number = int(digits) if 0 < len(digits) <= 8 else 0  # a longer one is no RUT (nor a number int() takes)
        if number == 0 or number > MAX_RUT_NUMBER:
            raise InvalidRut(
                f"«{text.strip()}» no es un RUT válido: el número debe tener entre 1 y 8 dígitos.",
                "malformed",
            )
        return cls(number, match["dv"])

    @property
    def formatted(self) -> str:
        """The form people read: "12.345.678-5"."""
        return f"{_group_thousands(self.number)}-{self.dv}"

    @property
    def compact(self) -> str:
        """The SII's form, used in XML and in its URLs: "12345678-5"."""
        return f"{self.number}-{self.dv}"

    def __str__(self) -> str:
        return self.formatted


# The buyer on an anonymous boleta (NOTES §4) and the Servicio de Impuestos Internos itself.
ANONYMOUS_RUT = Rut(66_666_666, "6")
SII_RUT = Rut(60_803_000, "K")


def is_valid_rut(text: str) -> bool:
    try:
        Rut.parse(text)
    except InvalidRut:
        return False
    return True
