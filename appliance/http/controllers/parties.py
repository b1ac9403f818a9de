"""Customer and supplier screens: lists with search by name or RUT, and the create/edit forms."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from appliance.catalog.draft import FormErrors
from appliance.core.errors import DomainError
from appliance.core.rut import Rut
from appliance.customers import service as parties
from appliance.db.models import Customer, CustomerAccountEntry, Supplier
from appliance.http.inputs import as_text
from appliance.http.pages import db, flash, form_data, is_fragment, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.sales import fiado

LIST_LIMIT = 200


def _checkboxes(data: dict[str, str], *keys: str) -> dict[str, str]:
    # An unticked checkbox sends nothing, and the service reads a missing "active" as yes: say no explicitly.
    out = dict(data)
    for key in keys:
        out[key] = "si" if data.get(key) == "on" else "no"
    return out


def _rut_text(rut: str | None) -> str:
    if not rut:
        return ""
    try:
        return Rut.parse(rut).formatted
    except DomainError:  # an odd value from an old import: show it as stored, the form will ask to fix it
        return rut


def _grouped(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _list_context(q: str, rows: list[Any]) -> dict[str, Any]:
    return {"q": q, "rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT, "limit": LIST_LIMIT}


# --- Customers ---------------------------------------------------------------------------------------------------


@get("/clientes", opt=allow(BACKOFFICE_VIEW), name="customers")
async def customer_list(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Template:
    q = as_text(q, "q", max_len=100, label="búsqueda")
    async with db(request).read() as session:
        rows = await parties.list_customers(session, q, limit=LIST_LIMIT + 1)
    context = _list_context(q, rows)
    if is_fragment(request):
        return page(request, "customers/_rows.html", **context)
    return page(request, "customers/list.html", **context)


def _customer_values(customer: Customer) -> dict[str, str]:
    return {
        "rut": _rut_text(customer.rut),
        "name": customer.name,
        "giro": customer.giro,
        "address": customer.address,
        "comuna": customer.comuna,
        "email": customer.email,
        "phone": customer.phone,
        "credit_limit": _grouped(customer.credit_limit) if customer.credit_limit else "",
        "blocked": "on" if customer.blocked else "",
        "active": "on" if customer.active else "",
    }


def _customer_form(
    request: Request[Any, Any, Any],
    customer: Customer | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    return page(
        request, "customers/form.html", status_code=status_code, customer=customer, values=values, errors=errors
    )


@get("/clientes/nuevo", opt=allow(ADMIN), name="customer_new")
async def customer_new(request: Request[Any, Any, Any]) -> Template:
    return _customer_form(request, None, {"active": "on"}, {})


@post("/clientes/nuevo", opt=allow(ADMIN))
async def customer_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            customer = await parties.save_customer(
                session, _checkboxes(data, "blocked", "active"), customer_id=None, actor_id=request.user.id
            )
    except FormErrors as exc:
        return _customer_form(request, None, data, exc.fields, status_code=400)
    flash(request, f"Cliente «{customer.name}» creado.")
    return redirect(f"/clientes/{customer.id}")


async def _load_customer(request: Request[Any, Any, Any], customer_id: int) -> Customer:
    async with db(request).read() as session:
        customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundException()
    return customer


@get("/clientes/{customer_id:int}", opt=allow(BACKOFFICE_VIEW), name="customer_edit")
async def customer_edit(request: Request[Any, Any, Any], customer_id: FromPath[int]) -> Template:
    customer = await _load_customer(request, customer_id)
    async with db(request).read() as session:
        balance = await fiado.balance(session, customer_id)
        entries = list(
            await session.scalars(
                select(CustomerAccountEntry)
                .where(CustomerAccountEntry.customer_id == customer_id)
                .order_by(CustomerAccountEntry.id.desc())
                .limit(50)
            )
        )
    return page(
        request,
        "customers/form.html",
        customer=customer,
        values=_customer_values(customer),
        errors={},
        balance=balance,
        entries=entries,
    )


@post("/clientes/{customer_id:int}", opt=allow(ADMIN))
async def customer_update(request: Request[Any, Any, Any], customer_id: FromPath[int]) -> Template | Redirect:
    data = await form_data(request)
    existing = await _load_customer(request, customer_id)
    try:
        async with db(request).write() as session:
            customer = await parties.save_customer(
                session, _checkboxes(data, "blocked", "active"), customer_id=customer_id, actor_id=request.user.id
            )
    except FormErrors as exc:
        return _customer_form(request, existing, data, exc.fields, status_code=400)
    flash(request, f"Cambios de «{customer.name}» guardados.")
    return redirect(f"/clientes/{customer_id}")


# --- Suppliers ---------------------------------------------------------------------------------------------------


@get("/proveedores", opt=allow(BACKOFFICE_VIEW), name="suppliers")
async def supplier_list(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Template:
    q = as_text(q, "q", max_len=100, label="búsqueda")
    async with db(request).read() as session:
        rows = await parties.list_suppliers(session, q, limit=LIST_LIMIT + 1)
    context = _list_context(q, rows)
    if is_fragment(request):
        return page(request, "suppliers/_rows.html", **context)
    return page(request, "suppliers/list.html", **context)


def _supplier_values(supplier: Supplier) -> dict[str, str]:
    return {
        "rut": _rut_text(supplier.rut),
        "razon_social": supplier.razon_social,
        "giro": supplier.giro,
        "address": supplier.address,
        "comuna": supplier.comuna,
        "contact_name": supplier.contact_name,
        "phone": supplier.phone,
        "email": supplier.email,
        "payment_terms_days": str(supplier.payment_terms_days),
        "active": "on" if supplier.active else "",
    }


def _supplier_form(
    request: Request[Any, Any, Any],
    supplier: Supplier | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    return page(
        request, "suppliers/form.html", status_code=status_code, supplier=supplier, values=values, errors=errors
    )


@get("/proveedores/nuevo", opt=allow(ADMIN), name="supplier_new")
async def supplier_new(request: Request[Any, Any, Any]) -> Template:
    return _supplier_form(request, None, {"payment_terms_days": "0", "active": "on"}, {})


@post("/proveedores/nuevo", opt=allow(ADMIN))
async def supplier_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            supplier = await parties.save_supplier(
                session, _checkboxes(data, "active"), supplier_id=None, actor_id=request.user.id
            )
    except FormErrors as exc:
        return _supplier_form(request, None, data, exc.fields, status_code=400)
    flash(request, f"Proveedor «{supplier.razon_social}» creado.")
    return redirect(f"/proveedores/{supplier.id}")


async def _load_supplier(request: Request[Any, Any, Any], supplier_id: int) -> Supplier:
    async with db(request).read() as session:
        supplier = await session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFoundException()
    return supplier


@get("/proveedores/{supplier_id:int}", opt=allow(BACKOFFICE_VIEW), name="supplier_edit")
async def supplier_edit(request: Request[Any, Any, Any], supplier_id: FromPath[int]) -> Template:
    supplier = await _load_supplier(request, supplier_id)
    return _supplier_form(request, supplier, _supplier_values(supplier), {})


@post("/proveedores/{supplier_id:int}", opt=allow(ADMIN))
async def supplier_update(request: Request[Any, Any, Any], supplier_id: FromPath[int]) -> Template | Redirect:
    data = await form_data(request)
    existing = await _load_supplier(request, supplier_id)
    try:
        async with db(request).write() as session:
            supplier = await parties.save_supplier(
                session, _checkboxes(data, "active"), supplier_id=supplier_id, actor_id=request.user.id
            )
    except FormErrors as exc:
        return _supplier_form(request, existing, data, exc.fields, status_code=400)
    flash(request, f"Cambios de «{supplier.razon_social}» guardados.")
    return redirect(f"/proveedores/{supplier_id}")


ROUTES = [
    customer_list,
    customer_new,
    customer_create,
    customer_edit,
    customer_update,
    supplier_list,
    supplier_new,
    supplier_create,
    supplier_edit,
    supplier_update,
]
