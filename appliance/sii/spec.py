"""Plain descriptions of a document to issue: what the sales code hands to the SII core (no ORM objects).

Amounts are integer pesos; quantities are integer milli-units (a weighed item's milli-kg are grams), as stored by
sales. Text may be anything: the builders keep it within Latin-1 and the schema's lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

from appliance.core.rut import ANONYMOUS_RUT, Rut
from appliance.sii.doctypes import TipoDTE


class LineKind(StrEnum):
    AFECTO = "afecto"  # pays IVA (and ILA on a factura if it has an ILA code)
    EXENTO = "exento"  # exempt or not subject to IVA: IndExe 1
    # A returnable-container deposit (garantía por depósito de envases, Art. 28 inc. 3 Reglamento DL 825): not part of
    # the IVA base. IndExe 3 and Totales/GrntDep on DTE_v10 documents; boletas have neither, so there it is IndExe 1.
    DEPOSITO = "deposito"


class CodRef(IntEnum):
    """Why a nota refers to a document (Referencia/CodRef)."""

    ANULA = 1
    CORRIGE_TEXTO = 2
    CORRIGE_MONTOS = 3


@dataclass(frozen=True)
class Issuer:
    """The company issuing the document (Emisor). `acteco` (economic activity codes) is required on DTE_v10."""

    rut: Rut
    razon_social: str
    giro: str
    acteco: tuple[int, ...] = ()
    direccion: str = ""
    comuna: str = ""
    ciudad: str = ""
    sucursal_sii: int | None = None  # CdgSIISucur, the branch code the SII assigned
    telefono: str = ""
    correo: str = ""


@dataclass(frozen=True)
class Buyer:
    """The buyer (Receptor). Facturas need razón social, giro, dirección and comuna; a boleta needs nothing."""

    rut: Rut
    razon_social: str
    giro: str = ""
    direccion: str = ""
    comuna: str = ""
    ciudad: str = ""
    correo: str = ""
    contacto: str = ""

    @property
    def is_anonymous(self) -> bool:
        return self.rut == ANONYMOUS_RUT


# The anonymous buyer of a boleta (NOTES §4).
ANONYMOUS_BUYER = Buyer(rut=ANONYMOUS_RUT, razon_social="Consumidor final")


@dataclass(frozen=True)
class Line:
    """One Detalle line. `unit_price` is gross (IVA included) on boletas and net on facturas, per unit or per kg.

    `unit_price` may carry decimals (Decimal, up to 6) for a factura whose net prices come from gross ones.
    `discount` is DescuentoMonto in pesos. `ila_code` is the SII code of the additional tax (24, 25, 26, 27, 271),
    used on documents with net prices; on a boleta the ILA is already inside the gross price.
    """

    name: str
    quantity_milli: int
    unit_price: int | Decimal
    discount: int = 0
    kind: LineKind = LineKind.AFECTO
    ila_code: int | None = None
    weighed: bool = False  # quantity in kg: UnmdItem "KG"
    unit: str = ""  # UnmdItem for unit items, e.g. "UN"; optional
    code: str = ""  # CdgItem/VlrCodigo: the barcode or internal code
    code_type: str = "INT1"  # CdgItem/TpoCodigo: "EAN13", "INT1" (the SII's example for internal codes)…
    description: str = ""  # DscItem


@dataclass(frozen=True)
class GlobalDiscount:
    """A discount on the whole document (DscRcgGlobal, TpoMov D): `value` pesos, or percent when `percent`."""

    value: int | Decimal
    percent: bool = False
    description: str = ""
    applies_to_exempt: bool = False  # IndExeDR 1: the discount reduces the exempt lines instead of the afectas


@dataclass(frozen=True)
class Reference:
    """A Referencia: the document a nota corrects (or an orden de compra a factura answers)."""

    tipo_doc: int | str  # TpoDocRef: 39, 33… or "801" (orden de compra), "HES"…
    folio: int | str
    fecha: date
    cod_ref: CodRef | None = None
    razon: str = ""


@dataclass(frozen=True)
class DocumentSpec:
    """Everything needed to issue one document, except the CAF and the certificate.

    `gross_prices` says whether line prices include IVA: by default True for boletas and False otherwise. A nota
    that corrects a boleta should use True (the boleta's prices), which marks it MntBruto.
    """

    tipo: TipoDTE
    folio: int
    issued_at: datetime
    issuer: Issuer
    lines: tuple[Line, ...]
    buyer: Buyer = ANONYMOUS_BUYER
    global_discounts: tuple[GlobalDiscount, ...] = ()
    references: tuple[Reference, ...] = ()
    gross_prices: bool | None = None
    payment_form: int | None = None  # FmaPago on DTE_v10: 1 contado, 2 crédito, 3 sin costo
    # Net lines made from shelf prices (`invoice_lines.net_lines`): the total the customer paid, which MntTotal keeps.
    shelf_total: int | None = None

    @property
    def uses_gross_prices(self) -> bool:
        return self.tipo.is_boleta if self.gross_prices is None else self.gross_prices
