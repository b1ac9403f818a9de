"""The shop's own data as the SII knows it, and the scale-label layouts its scales print."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.core.barcodes import VariableMeasureLayout
from appliance.core.errors import DomainError
from appliance.core.rut import Rut
from appliance.core.text import is_digits
from appliance.db.models import BarcodeLayout, Company
from appliance.db.raw import raw

ACTECO_RE = re.compile(r"^\d{6}$")
# Field, label, maximum length as the DTE schema allows (Emisor).
TEXT_FIELDS = (
    ("razon_social", "la razón social", 100, True),
    ("nombre_fantasia", "el nombre de fantasía", 80, False),
    ("giro", "el giro", 80, True),
    ("address", "la dirección", 70, True),
    ("comuna", "la comuna", 20, True),
    ("ciudad", "la ciudad", 20, False),
    ("phone", "el teléfono", 20, False),
    ("email", "el correo", 80, False),
    ("sii_office", "la oficina del SII", 60, False),
)


async def setting(session: AsyncSession, key: str) -> object | None:
    """A business setting's JSON value; plain SQL, as the counter reads some on every sale (db/raw.py)."""
    row = await (await raw(session)).one("SELECT value FROM settings WHERE key = ?", (key,))
    if row is None:
        return None
    # The column has JSON (numeric) affinity: SQLite keeps a bare number as a number, not as its JSON text.
    value: object = row[0]
    return json.loads(value) if isinstance(value, str | bytes) else value


async def get(session: AsyncSession) -> Company | None:
    return await session.get(Company, 1)


def _parse_date(text: str) -> date | None:
    for fmt in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


async def save(session: AsyncSession, data: Mapping[str, str], *, actor_id: int | None) -> Company:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    try:
        values["rut"] = Rut.parse(str(data.get("rut", ""))).compact
    except DomainError as exc:
        errors["rut"] = exc.message
    for key, label, limit, required in TEXT_FIELDS:
        text = str(data.get(key, "") or "").strip()
        if required and not text:
            errors[key] = f"{label} es obligatori{'a' if label.startswith('la ') else 'o'}"
        elif len(text) > limit:
            errors[key] = f"{label} admite hasta {limit} caracteres"
        values[key] = text
    actecos = [a for a in re.split(r"[\s,;]+", str(data.get("actecos", "")).strip()) if a]
    if not actecos:
        errors["actecos"] = "indique al menos un código de actividad económica (6 dígitos)"
    elif len(actecos) > 4 or not all(ACTECO_RE.match(a) for a in actecos):
        errors["actecos"] = "hasta 4 códigos de actividad económica de 6 dígitos, separados por coma"
    values["actecos"] = [int(a) for a in actecos if is_digits(a)]
    number = str(data.get("resolution_number", "") or "0").strip()
    if not is_digits(number):
        errors["resolution_number"] = "el número de resolución es un número entero (0 en certificación)"
    values["resolution_number"] = int(number) if is_digits(number) else 0
    raw_date = str(data.get("resolution_date", "") or "").strip()
    values["resolution_date"] = _parse_date(raw_date) if raw_date else None
    if raw_date and values["resolution_date"] is None:
        errors["resolution_date"] = "la fecha de resolución debe ser dd-mm-aaaa"
    environment = str(data.get("environment", "certificacion"))
    if environment not in ("certificacion", "produccion"):
        errors["environment"] = "el ambiente es certificación o producción"
    values["environment"] = environment
    if errors:
        raise FormErrors(errors)
    company = await get(session) or Company(id=1)
    before = {k: getattr(company, k, None) for k in ("rut", "environment", "resolution_number")}
    for key, value in values.items():
        setattr(company, key, value)
    session.add(company)
    await audit.record(
        session,
        actor_id,
        "company.save",
        "company",
        1,
        {"before": {k: str(v) for k, v in before.items()}, "rut": values["rut"], "environment": environment},
    )
    return company


async def layouts(session: AsyncSession) -> list[BarcodeLayout]:
    return list(await session.scalars(select(BarcodeLayout).order_by(BarcodeLayout.prefix)))


async def add_layout(session: AsyncSession, data: Mapping[str, str], *, actor_id: int | None) -> BarcodeLayout:
    name = str(data.get("name", "")).strip()
    prefix = str(data.get("prefix", "")).strip()
    plu_raw = str(data.get("plu_length", "")).strip()
    kind = str(data.get("value_kind", ""))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "ponga un nombre a la etiqueta (ej.: Balanza fiambrería)"
    if not is_digits(plu_raw):
        errors["plu_length"] = "el largo del PLU es un número de 4 a 6"
    if not errors:
        try:
            VariableMeasureLayout(prefix=prefix, plu_length=int(plu_raw), value_kind=kind, name=name)  # type: ignore[arg-type]
        except DomainError as exc:
            errors["prefix"] = exc.message
    if not errors and await session.scalar(select(BarcodeLayout.id).where(BarcodeLayout.prefix == prefix)):
        errors["prefix"] = f"ya hay una etiqueta con el prefijo {prefix}"
    if errors:
        raise FormErrors(errors)
    layout = BarcodeLayout(name=name[:60], prefix=prefix, plu_length=int(plu_raw), value_kind=kind)
    session.add(layout)
    await session.flush()
    await audit.record(
        session,
        actor_id,
        "layout.add",
        "barcode_layout",
        layout.id,
        {"prefix": prefix, "plu_length": int(plu_raw), "value_kind": kind},
    )
    return layout


async def remove_layout(session: AsyncSession, layout_id: int, *, actor_id: int | None) -> None:
    layout = await session.get(BarcodeLayout, layout_id)
    if layout is None:
        raise DomainError("La etiqueta de balanza no existe.", "not_found")
    await audit.record(session, actor_id, "layout.remove", "barcode_layout", layout_id, {"prefix": layout.prefix})
    await session.delete(layout)
