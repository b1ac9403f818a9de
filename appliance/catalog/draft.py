"""A product as typed by a person (a form or a row of an import file), checked field by field.

The same parsing serves the product screen and the CSV/XLSX importer, so both give the same Spanish messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from appliance.core.barcodes import validate_barcode
from appliance.core.errors import DomainError
from appliance.core.money import parse_clp
from appliance.core.quantity import parse_quantity
from appliance.core.text import is_digits
from appliance.db.models import ADDITIONAL_TAX_CODES

YES = {"si", "sí", "s", "1", "true", "x", "on", "yes"}
NO = {"no", "n", "0", "false", "", "off"}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$")
PLU_RE = re.compile(r"^\d{3,6}$")


class FormErrors(DomainError):
    """One or more fields are wrong; `fields` maps each to its message."""

    default_code = "invalid_input"

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        summary = "; ".join(f"{name}: {msg}" for name, msg in self.fields.items())
        super().__init__(f"Revise los datos: {summary}")


@dataclass
class ProductDraft:
    code: str
    name: str
    short_name: str
    category_id: int | None = None
    category_path: str = ""  # from imports: "Lácteos > Leches", resolved by the caller
    unit: str = "unit"
    price: int = 0
    tax: str = "afecto"
    additional_tax: int | None = None
    is_alcohol: bool = False
    is_tobacco: bool = False
    age_restricted: bool = False
    quick_key: bool = False  # on the counter's quick-key grid
    container_code: str = ""
    plu: str | None = None
    min_stock: int = 0
    barcodes: list[str] = field(default_factory=list)
    active: bool = True


def parse_bool(value: str, label: str, errors: dict[str, str], key: str) -> bool:
    folded = value.strip().lower()
    if folded in YES:
        return True
    if folded in NO:
        return False
    errors[key] = f"«{value}» no es sí/no ({label})"
    return False


def split_barcodes(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,;|]+", value.strip()) if part]


def parse_product(data: Mapping[str, str]) -> ProductDraft:
    """Check every field and raise FormErrors with all problems at once, or return the draft."""
    errors: dict[str, str] = {}

    def get(key: str) -> str:
        return str(data.get(key, "") or "").strip()

    code = get("code")
    if not code:
        errors["code"] = "el código interno es obligatorio"
    elif not CODE_RE.match(code):
        errors["code"] = "el código interno admite letras, números, punto, guion y guion bajo (máx. 30)"
    name = get("name")
    if not name:
        errors["name"] = "el nombre es obligatorio"
    elif len(name) > 80:
        errors["name"] = "el nombre admite hasta 80 caracteres"
    short_name = get("short_name") or name[:40]
    if len(short_name) > 40:
        errors["short_name"] = "el nombre corto admite hasta 40 caracteres"

    unit_raw = get("unit").lower() or "unit"
    unit = {"unit": "unit", "un": "unit", "unidad": "unit", "kg": "kg", "kilo": "kg", "granel": "kg"}.get(unit_raw)
    if unit is None:
        errors["unit"] = f"la unidad «{get('unit')}» no existe: use UN o KG"
        unit = "unit"

    price = 0
    price_raw = get("price")
    if not price_raw:
        errors["price"] = "el precio es obligatorio"
    else:
        try:
            price = parse_clp(price_raw)
            if price < 0:
                errors["price"] = "el precio no puede ser negativo"
        except DomainError as exc:
            errors["price"] = exc.message

    tax = get("tax").lower() or "afecto"
    if tax not in ("afecto", "exento"):
        errors["tax"] = f"IVA «{get('tax')}» no existe: use afecto o exento"

    additional_tax = None
    ila = get("additional_tax")
    if ila and ila.lower() not in ("ninguno", "no", "0"):
        if is_digits(ila) and int(ila) in ADDITIONAL_TAX_CODES:
            additional_tax = int(ila)
        else:
            errors["additional_tax"] = f"el código de impuesto adicional «{ila}» no existe (24, 25, 26, 27 o 271)"

    is_alcohol = parse_bool(get("is_alcohol"), "alcohol", errors, "is_alcohol")
    is_tobacco = parse_bool(get("is_tobacco"), "tabaco", errors, "is_tobacco")
    age_restricted = parse_bool(get("age_restricted"), "venta a mayores de 18", errors, "age_restricted")
    active = parse_bool(get("active") or "si", "activo", errors, "active")
    quick_key = parse_bool(get("quick_key"), "tecla rápida", errors, "quick_key")
    if additional_tax in (24, 25, 26) and not is_alcohol:
        is_alcohol = True  # ILA on alcohol implies it; saves the owner a box to tick
    if is_alcohol or is_tobacco:
        age_restricted = True

    plu = get("plu") or None
    if plu is not None and not PLU_RE.match(plu):
        errors["plu"] = "el PLU de balanza son 3 a 6 dígitos"

    min_stock = 0
    if get("min_stock"):
        try:
            min_stock = parse_quantity(get("min_stock"), weighed=unit == "kg", allow_zero=True)
        except DomainError as exc:
            errors["min_stock"] = exc.message

    barcodes: list[str] = []
    for raw in split_barcodes(get("barcodes")):
        try:
            normalised = validate_barcode(raw)
        except DomainError as exc:
            errors["barcodes"] = exc.message if raw in exc.message else f"{raw}: {exc.message}"
            continue
        if normalised not in barcodes:
            barcodes.append(normalised)

    category_id = None
    if get("category_id"):
        if is_digits(get("category_id")):
            category_id = int(get("category_id"))
        else:
            errors["category_id"] = "categoría no válida"

    if errors:
        raise FormErrors(errors)
    return ProductDraft(
        code=code,
        name=name,
        short_name=short_name,
        category_id=category_id,
        category_path=get("category"),
        unit=unit,
        price=price,
        tax=tax,
        additional_tax=additional_tax,
        is_alcohol=is_alcohol,
        is_tobacco=is_tobacco,
        age_restricted=age_restricted,
        quick_key=quick_key,
        container_code=get("container_code"),
        plu=plu,
        min_stock=min_stock,
        barcodes=barcodes,
        active=active,
    )
