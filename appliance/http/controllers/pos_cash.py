"""The cash session on the tablet: open with a counted float, cash in/out, X report, Z close with a blind count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from appliance.cash import sessions as cash
from appliance.core.errors import DomainError
from appliance.core.money import parse_clp
from appliance.http.approvals import supervisor_from_form, typed_values
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import COUNTER, on_tablet
from appliance.pos import pins

SELL = on_tablet(COUNTER)


def _now() -> datetime:
    return datetime.now(UTC)


async def _page(
    request: Request[Any, Any, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Template:
    lane = request.state.lane
    async with db(request).read() as session:
        current = await cash.current(session, lane.id)
        report = await cash.x_report(session, current.id) if current else None
        supervisors = await pins.approvers(session)
    return page(
        request,
        "pos/cash.html",
        status_code=status_code,
        lane=lane,
        current=current,
        report=report,
        error=error,
        labels=cash.MOVEMENT_LABELS,
        report_labels=cash.REPORT_LABELS,
        denominations=cash.DENOMINATIONS,
        supervisors=supervisors,
        values=values or {},
    )


@get("/caja/turno", opt=SELL, name="pos_cash")
async def cash_page(request: Request[Any, Any, Any]) -> Template:
    return await _page(request)


@post("/caja/turno/abrir", opt=SELL)
async def open_cash(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        amount = parse_clp(data.text("opening_float", max_len=40, label="fondo inicial"))
        async with db(request).write() as session:
            await cash.open_session(
                session, request.state.lane.id, user_id=request.user.id, opening_float=amount, now=_now()
            )
    except DomainError as exc:
        return await _page(request, error=exc.message, status_code=400)
    return redirect("/caja")


@post("/caja/turno/movimiento", opt=SELL)
async def movement(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        amount = parse_clp(data.text("amount", max_len=40, label="monto"))
        async with db(request).write() as session:
            await cash.add_movement(
                session,
                request.state.lane.id,
                kind=data.text("kind", max_len=20, label="tipo de movimiento"),
                amount=amount,
                note=data.text("note", max_len=120, label="nota"),
                user_id=request.user.id,
                now=_now(),
            )
    except DomainError as exc:
        return await _page(request, error=exc.message, status_code=400, values=typed_values(data))
    flash(request, "Movimiento de caja registrado.")
    return redirect("/caja/turno")


@post("/caja/turno/cerrar", opt=SELL)
async def close_cash(request: Request[Any, Any, Any]) -> Template:
    """Z close: the cashier counts blind (the expected amount is never shown first); a supervisor approves with PIN."""
    data = await form_data(request)
    typed = typed_values(data)
    counted = {}
    try:
        for denomination in cash.DENOMINATIONS:
            label = f"billetes o monedas de ${denomination:,}".replace(",", ".")
            counted[str(denomination)] = data.number(f"d{denomination}", maximum=100_000, label=label) or 0
        approver = await supervisor_from_form(request, data)
    except DomainError as exc:
        return await _page(request, error=exc.message, status_code=400, values=typed)
    error = None
    async with db(request).write() as session:
        try:
            row, report = await cash.close(
                session,
                request.state.lane.id,
                counted=counted,
                user_id=request.user.id,
                approver=approver,
                note=data.text("note", max_len=200, label="nota"),
                now=_now(),
            )
        except DomainError as exc:
            error = exc.message
    if error:
        return await _page(request, error=error, status_code=400, values=typed)
    return page(
        request,
        "pos/z_report.html",
        lane=request.state.lane,
        row=row,
        report=report,
        approver=approver,
        labels=cash.MOVEMENT_LABELS,
        report_labels=cash.REPORT_LABELS,
    )


ROUTES = [cash_page, open_cash, movement, close_cash]
