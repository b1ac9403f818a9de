"""Returns on the tablet: find the sale by boleta, choose what comes back, refund, supervisor PIN, nota de crédito."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select

from appliance.core.errors import DomainError
from appliance.core.quantity import parse_quantity
from appliance.db.models import Document, Payment, Sale
from appliance.http.approvals import supervisor_from_form, typed_values
from appliance.http.controllers.pos import may_see_sale, other_lane_page
from appliance.http.inputs import as_text
from appliance.http.pages import db, form_data, page
from appliance.http.policy import COUNTER, on_tablet
from appliance.pos import pins
from appliance.sales import returns
from appliance.sii.doctypes import TipoDTE
from appliance.sii.pdf417 import render_pdf417_svg

SELL = on_tablet(COUNTER)


async def _form(
    request: Request[Any, Any, Any],
    query: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Template:
    reference = returns.receipt_reference(query)
    if reference is not None:  # a scanned timbre shows as the document it names
        query = f"{reference.tipo}-{reference.folio}"
    sale: Sale | None = None
    async with db(request).read() as session:
        supervisors = await pins.approvers(session)
        if query.strip():
            try:
                sale = await returns.find_sale(session, query)
            except DomainError as exc:
                error, status_code = exc.message, 404
    if sale is not None and not may_see_sale(request, sale):
        # Another lane's sale shows nothing of itself (its lines, total, payments) before a supervisor's PIN.
        return await other_lane_page(request, sale, then=f"/caja/devolucion?{urlencode({'boleta': query})}")
    lines, methods, folio = await _returnable(request, sale) if sale is not None else ([], [], None)
    return page(
        request,
        "pos/return.html",
        status_code=status_code,
        query=query,
        sale=sale,
        lines=lines,
        methods=methods,
        folio=folio,
        error=error,
        supervisors=supervisors,
        lane=request.state.lane,
        values=values or {},
    )


async def _returnable(
    request: Request[Any, Any, Any], sale: Sale
) -> tuple[list[returns.ReturnableLine], list[str], tuple[str, int] | None]:
    """What of the sale can come back, the ways its money can go back, and its document (name, folio)."""
    async with db(request).read() as session:
        lines = await returns.returnable(session, sale.id)
        paid = set(await session.scalars(select(Payment.method).where(Payment.sale_id == sale.id)))
        methods = sorted(paid - {"envase"})  # empties' deposits are not given back as money
        document = (
            await session.execute(
                select(Document.tipo, Document.folio).where(
                    Document.sale_id == sale.id, Document.tipo.in_(returns.RETURNABLE_TYPES)
                )
            )
        ).first()
    folio = (TipoDTE(document.tipo).nombre_corto, document.folio) if document else None
    if folio is None:  # the card voucher was its boleta: the charge is annulled on the terminal
        methods = [m for m in methods if m not in ("efectivo", "fiado", "transferencia")]
    return lines, methods, folio


@get("/caja/devolucion", opt=SELL, name="pos_return")
async def return_form(request: Request[Any, Any, Any], boleta: FromQuery[str] = "") -> Template:
    return await _form(request, as_text(boleta, "boleta", max_len=2000, label="boleta"))


@post("/caja/devolucion/{sale_id:int}", opt=SELL)
async def return_process(request: Request[Any, Any, Any], sale_id: FromPath[int]) -> Template:
    data = await form_data(request)
    query = data.text("boleta", max_len=2000, default=str(sale_id))
    error = None
    now = datetime.now(UTC)
    try:
        approver = await supervisor_from_form(request, data)
        # The whole return in one transaction: if the nota can't be issued, nothing of it stays.
        async with db(request).write() as session:
            rows = {r.line.id: r for r in await returns.returnable(session, sale_id)}
            quantities = {}
            for line_id, row in rows.items():
                raw = data.text(f"q{line_id}", max_len=20, label="cantidad").strip()
                if raw:
                    quantities[line_id] = parse_quantity(raw, weighed=row.unit == "kg", allow_zero=True)
            result = await returns.process(
                session,
                request.app.state.settings.secrets_dir,
                sale_id=sale_id,
                lane_id=int(request.state.lane.id),
                quantities=quantities,
                to_merma={i for i in rows if data.flag(f"m{i}")},
                refund_method=data.text("refund_method", max_len=20),
                reason=data.text("reason", max_len=120, label="motivo"),
                user_id=request.user.id,
                approver=approver,
                now=now,
            )
    except DomainError as exc:
        error = exc.message
    if error:
        return await _form(request, query, error=error, status_code=400, values=typed_values(data))
    async with db(request).read() as session:
        document = await session.get(Document, result.document_id) if result.document_id else None
        sale = await session.get(Sale, sale_id)
    svg = render_pdf417_svg(document.ted).decode("utf-8") if document is not None else ""
    return page(
        request,
        "pos/return_done.html",
        result=result,
        sale=sale,
        timbre=svg[svg.index("<svg") :] if svg else "",
        lane=request.state.lane,
    )


ROUTES = [return_form, return_process]
