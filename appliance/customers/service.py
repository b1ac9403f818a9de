"""Customers and suppliers: people and companies the shop deals with, identified by RUT."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.core.errors import DomainError
from appliance.core.money import parse_clp
from appliance.core.rut import Rut
from appliance.core.text import is_digits
from appliance.db.models import Customer, Supplier

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Party = TypeVar("Party", Customer, Supplier)


def _text(
    data: Mapping[str, str], key: str, limit: int, errors: dict[str, str], label: str, required: bool = False
) -> str:
    value = str(data.get(key, "") or "").strip()
    if required and not value:
        errors[key] = f"{label} es {'obligatoria' if label.startswith('la ') else 'obligatorio'}"
    elif len(value) > limit:
        errors[key] = f"{label} admite hasta {limit} caracteres"
    return value


def _rut(data: Mapping[str, str], errors: dict[str, str], required: bool) -> str | None:
    raw = str(data.get("rut", "") or "").strip()
    if not raw:
        if required:
            errors["rut"] = "el RUT es obligatorio"
        return None
    try:
        return Rut.parse(raw).compact
    except DomainError as exc:
        errors["rut"] = exc.message
        return None


def _contact(data: Mapping[str, str], errors: dict[str, str]) -> dict[str, str]:
    values = {
        "address": _text(data, "address", 70, errors, "la dirección"),
        "comuna": _text(data, "comuna", 20, errors, "la comuna"),
        "email": _text(data, "email", 80, errors, "el correo"),
        "phone": _text(data, "phone", 30, errors, "el teléfono"),
        "giro": _text(data, "giro", 80, errors, "el giro"),
    }
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors["email"] = "el correo no parece válido"
    return values


async def _unique_rut(
    session: AsyncSession, model: type[Party], rut: str | None, own_id: int | None, errors: dict[str, str]
) -> None:
    if rut is None:
        return
    other = await session.scalar(select(model.id).where(model.rut == rut))
    if other is not None and other != own_id:
        errors["rut"] = f"el RUT {Rut.parse(rut).formatted} ya está registrado"


async def save_customer(
    session: AsyncSession, data: Mapping[str, str], *, customer_id: int | None, actor_id: int | None
) -> Customer:
    errors: dict[str, str] = {}
    rut = _rut(data, errors, required=False)
    name = _text(data, "name", 100, errors, "el nombre", required=True)
    contact = _contact(data, errors)
    credit_limit = 0
    if str(data.get("credit_limit", "") or "").strip():
        try:
            credit_limit = parse_clp(str(data["credit_limit"]))
        except DomainError as exc:
            errors["credit_limit"] = exc.message
    await _unique_rut(session, Customer, rut, customer_id, errors)
    if errors:
        raise FormErrors(errors)
    customer = await session.get(Customer, customer_id) if customer_id else Customer()
    if customer is None:
        raise FormErrors({"customer": "el cliente no existe"})
    customer.rut, customer.name, customer.credit_limit = rut, name, credit_limit
    for key, value in contact.items():
        setattr(customer, key, value)
    customer.blocked = str(data.get("blocked", "")) in ("on", "1", "si", "true")
    customer.active = str(data.get("active", "on")) in ("on", "1", "si", "true")
    session.add(customer)
    await session.flush()
    await audit.record(
        session,
        actor_id,
        "customer.save",
        "customer",
        customer.id,
        {"name": name, "credit_limit": credit_limit, "blocked": customer.blocked},
    )
    return customer


async def save_supplier(
    session: AsyncSession, data: Mapping[str, str], *, supplier_id: int | None, actor_id: int | None
) -> Supplier:
    errors: dict[str, str] = {}
    rut = _rut(data, errors, required=True)
    razon_social = _text(data, "razon_social", 100, errors, "la razón social", required=True)
    contact = _contact(data, errors)
    contact_name = _text(data, "contact_name", 80, errors, "el contacto")
    terms_raw = str(data.get("payment_terms_days", "") or "0").strip()
    terms = int(terms_raw) if is_digits(terms_raw) and int(terms_raw) <= 365 else 0
    if not (is_digits(terms_raw) and int(terms_raw) <= 365):
        errors["payment_terms_days"] = "el plazo de pago son días, de 0 a 365"
    await _unique_rut(session, Supplier, rut, supplier_id, errors)
    if errors:
        raise FormErrors(errors)
    supplier = await session.get(Supplier, supplier_id) if supplier_id else Supplier()
    if supplier is None:
        raise FormErrors({"supplier": "el proveedor no existe"})
    assert rut is not None
    supplier.rut, supplier.razon_social, supplier.contact_name = rut, razon_social, contact_name
    supplier.payment_terms_days = terms
    for key, value in contact.items():
        setattr(supplier, key, value)
    supplier.active = str(data.get("active", "on")) in ("on", "1", "si", "true")
    session.add(supplier)
    await session.flush()
    await audit.record(session, actor_id, "supplier.save", "supplier", supplier.id, {"razon_social": razon_social})
    return supplier


async def list_customers(session: AsyncSession, query: str = "", limit: int = 200) -> list[Customer]:
    stmt = select(Customer).order_by(Customer.name).limit(limit)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Customer.name.ilike(like), Customer.rut.ilike(like.replace(".", ""))))
    return list(await session.scalars(stmt))


async def list_suppliers(session: AsyncSession, query: str = "", limit: int = 200) -> list[Supplier]:
    stmt = select(Supplier).order_by(Supplier.razon_social).limit(limit)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Supplier.razon_social.ilike(like), Supplier.rut.ilike(like.replace(".", ""))))
    return list(await session.scalars(stmt))
