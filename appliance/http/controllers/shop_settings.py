"""Settings of the shop itself: the company as the SII knows it, and the scales' label layouts."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.company import service as company
from appliance.db.models import Company
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.sales import compliance, emission


def _company_values(row: Company | None) -> dict[str, str]:
    if row is None:
        return {"environment": "certificacion", "resolution_number": "0"}
    return {
        "rut": row.rut,
        "razon_social": row.razon_social,
        "nombre_fantasia": row.nombre_fantasia,
        "giro": row.giro,
        "actecos": ", ".join(str(a) for a in row.actecos),
        "address": row.address,
        "comuna": row.comuna,
        "ciudad": row.ciudad,
        "phone": row.phone,
        "email": row.email,
        "sii_office": row.sii_office,
        "resolution_number": str(row.resolution_number),
        "resolution_date": row.resolution_date.strftime("%d-%m-%Y") if row.resolution_date else "",
        "environment": row.environment,
    }


async def _page(
    request: Request[Any, Any, Any],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    layout_values: dict[str, str] | None = None,
    layout_errors: dict[str, str] | None = None,
    alcohol_values: dict[str, str] | None = None,
    alcohol_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    async with db(request).read() as session:
        row = await company.get(session)
        layouts = await company.layouts(session)
        rules = await compliance.alcohol_rules(session)
        card_voucher = await emission.card_voucher_is_boleta(session)
    return page(
        request,
        "settings/shop.html",
        status_code=status_code,
        values=values or _company_values(row),
        errors=errors or {},
        layouts=layouts,
        layout_values=layout_values or {"plu_length": "5"},
        layout_errors=layout_errors or {},
        configured=row is not None,
        alcohol_values=alcohol_values
        or {
            "alcohol_from": f"{rules.sells_from:%H:%M}",
            "alcohol_until": f"{rules.sells_until:%H:%M}",
            "dry_dates": compliance.format_dates(rules.dry_dates),
        },
        alcohol_errors=alcohol_errors or {},
        card_voucher=card_voucher,
    )


@get("/ajustes", opt=allow(BACKOFFICE_VIEW), name="settings")
async def settings_page(request: Request[Any, Any, Any]) -> Template:
    return await _page(request)


@post("/ajustes/empresa", opt=allow(ADMIN))
async def save_company(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            await company.save(session, data, actor_id=request.user.id)
    except FormErrors as exc:
        return await _page(request, values=data, errors=exc.fields, status_code=400)
    flash(request, "Datos de la empresa guardados.")
    return redirect("/ajustes")


@post("/ajustes/balanzas", opt=allow(ADMIN))
async def add_layout(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            layout = await company.add_layout(session, data, actor_id=request.user.id)
    except FormErrors as exc:
        return await _page(request, layout_values=data, layout_errors=exc.fields, status_code=400)
    flash(request, f"Etiqueta «{layout.name}» (prefijo {layout.prefix}) agregada.")
    return redirect("/ajustes#balanzas")


@post("/ajustes/balanzas/{layout_id:int}/eliminar", opt=allow(ADMIN))
async def remove_layout(request: Request[Any, Any, Any], layout_id: FromPath[int]) -> Redirect:
    async with db(request).write() as session:
        await company.remove_layout(session, layout_id, actor_id=request.user.id)
    flash(request, "Etiqueta de balanza eliminada.")
    return redirect("/ajustes#balanzas")


@post("/ajustes/alcohol", opt=allow(ADMIN))
async def save_alcohol(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The patente's hours and the ley seca dates: outside them, alcohol needs a supervisor at the counter."""
    data = await form_data(request)
    rules, errors = compliance.parse_form(data)
    if rules is None:
        return await _page(request, alcohol_values=data, alcohol_errors=errors, status_code=400)
    async with db(request).write() as session:
        await compliance.save(session, rules)
        await audit.record(session, request.user.id, "settings.alcohol", "settings", 0, rules.to_json())
    flash(request, f"Venta de alcohol: de {rules.sells_from:%H:%M} a {rules.sells_until:%H:%M}.")
    return redirect("/ajustes#alcohol")


@post("/ajustes/tarjetas", opt=allow(ADMIN))
async def save_card_model(request: Request[Any, Any, Any]) -> Redirect:
    """The SII emission model declared for card payments: the box's boleta, or the terminal's voucher."""
    voucher = (await form_data(request)).get("card_model") == "voucher"
    async with db(request).write() as session:
        await emission.set_card_voucher_is_boleta(session, voucher)
        await audit.record(session, request.user.id, "settings.card_model", "settings", 0, {"voucher": voucher})
    flash(
        request,
        "Pagos con tarjeta: el voucher es la boleta." if voucher else "Pagos con tarjeta: la caja emite la boleta.",
    )
    return redirect("/ajustes#tarjetas")


ROUTES = [settings_page, save_company, add_layout, remove_layout, save_alcohol, save_card_model]
