"""The SII document types (TipoDTE) the shop issues, with the facts that depend on the type."""

from __future__ import annotations

from enum import IntEnum


class TipoDTE(IntEnum):
    FACTURA = 33
    FACTURA_EXENTA = 34
    BOLETA = 39
    BOLETA_EXENTA = 41
    NOTA_DEBITO = 56
    NOTA_CREDITO = 61

    @property
    def nombre(self) -> str:
        """The SII's name for the document, as printed on it."""
        return _NAMES[self]

    @property
    def nombre_corto(self) -> str:
        """The name as said at the counter ("Boleta", "Factura")."""
        return _SHORT_NAMES[self]

    @property
    def is_boleta(self) -> bool:
        """Boletas travel in EnvioBOLETA and follow its own schema (BOLETADefType), not DTE_v10."""
        return self in (TipoDTE.BOLETA, TipoDTE.BOLETA_EXENTA)

    @property
    def is_exenta(self) -> bool:
        """Documents exempt as a whole: every line is exempt and they carry no IVA."""
        return self in (TipoDTE.FACTURA_EXENTA, TipoDTE.BOLETA_EXENTA)

    @property
    def is_nota(self) -> bool:
        return self in (TipoDTE.NOTA_CREDITO, TipoDTE.NOTA_DEBITO)

    @property
    def max_lines(self) -> int:
        """Detalle lines allowed: 1.000 on a boleta, 60 on everything else (NOTES §4)."""
        return 1000 if self.is_boleta else 60


_NAMES = {
    TipoDTE.FACTURA: "Factura Electrónica",
    TipoDTE.FACTURA_EXENTA: "Factura No Afecta o Exenta Electrónica",
    TipoDTE.BOLETA: "Boleta Electrónica",
    TipoDTE.BOLETA_EXENTA: "Boleta Exenta Electrónica",
    TipoDTE.NOTA_DEBITO: "Nota de Débito Electrónica",
    TipoDTE.NOTA_CREDITO: "Nota de Crédito Electrónica",
}

_SHORT_NAMES = {
    TipoDTE.FACTURA: "Factura",
    TipoDTE.FACTURA_EXENTA: "Factura exenta",
    TipoDTE.BOLETA: "Boleta",
    TipoDTE.BOLETA_EXENTA: "Boleta exenta",
    TipoDTE.NOTA_DEBITO: "Nota de débito",
    TipoDTE.NOTA_CREDITO: "Nota de crédito",
}

# CAFs for these types expire 6 months after their authorisation date (FA); boleta CAFs never do (NOTES §6).
EXPIRING_CAF_TYPES = frozenset({33, 46, 56, 61})


def nombre_tipo(tipo: int) -> str:
    """A readable name for any TipoDTE number, including ones the shop does not issue."""
    try:
        return TipoDTE(tipo).nombre
    except ValueError:
        return f"documento tipo {tipo}"
