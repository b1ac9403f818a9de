"""The point of sale on a paired tablet: PIN sign-in, the cart, payment, the receipt, and the cash session.

Every action answers with the cart fragment (HTML, for the tablet's script) or, when asked for JSON, the cart as data.
The cart lives on the box: the tablet only shows it, so a reload or a second tablet sees the same sale.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage
from sqlalchemy import select

from appliance.audit import log as audit
from appliance.cash import sessions as cash
from appliance.catalog import search
from appliance.catalog import service as catalog
from appliance.core.errors import DomainError
from appliance.core.money import parse_clp
from appliance.core.quantity import parse_quantity
from appliance.db.models import Device, Document, OutboxEntry, Payment, Product, Sale, SaleLine, User
from appliance.db.models import PaymentMethod as M
from appliance.http.auth import DEVICE_COOKIE, login_session
from appliance.http.errors import wants_json
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import COUNTER, PUBLIC, on_tablet
from appliance.pos import pairing, pins
from appliance.pos.events import LaneHub
from appliance.sales import cart, checkout, returns
from appliance.sales.cart import AlcoholBlocked, CartView
from appliance.sales.tenders import Tender
from appliance.sii.doctypes import TipoDTE
from appliance.sii.pdf417 import render_pdf417_svg

SELL = on_tablet(COUNTER)
DEVICE_COOKIE_AGE = 10 * 365 * 24 * 3600


def _now() -> datetime:
    return datetime.now(UTC)


def _lane_id(request: Request[Any, Any, Any]) -> int:
    return int(request.state.lane.id)


def hub(request: Request[Any, Any, Any]) -> LaneHub:
    lane_hub: LaneHub = request.app.state.hub
    return lane_hub


def _cart_json(view: CartView, message: str) -> dict[str, Any]:
    return {
        "version": view.version,
        "total": view.total,
        "credit": view.credit,
        "due": view.due,
        "document": "factura" if view.document_tipo == 33 else "boleta",
        "customer": (
            {"id": view.customer.id, "name": view.customer.name, "balance": view.customer.balance}
            if view.customer
            else None
        ),
        "pending": view.pending,
        "count": view.count,
        "message": message,
        "lines": [
            {
                "line_no": ln.line_no,
                "product_id": ln.product_id,
                "description": ln.description,
                "quantity": ln.quantity,
                "unit": ln.unit,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
                "amount": ln.amount,
                "note": ln.note,
                "deposit": ln.deposit,
                "redeem": ln.redeem,
                "envase": ln.flags.get("envase"),
                "age_restricted": bool(ln.flags.get("age_restricted")),
                "age_confirmed": bool(ln.flags.get("age_confirmed")),
            }
            for ln in view.lines
        ],
    }


def _cart_response(
    request: Request[Any, Any, Any],
    view: CartView,
    message: str = "",
    *,
    error: bool = False,
    status_code: int | None = None,
    alcohol: dict[str, Any] | None = None,
    approvers: list[User] | None = None,
) -> Response[Any] | Template:
    status = status_code or (400 if error else 200)
    if wants_json(request):
        body = _cart_json(view, message)
        if error:
            body["error"] = message
            if alcohol:
                body["code"] = alcohol["code"]
        return Response(body, status_code=status)  # explicit: a POST would default to 201
    return page(
        request,
        "pos/_cart.html",
        status_code=status,
        view=view,
        message=message,
        error=error,
        alcohol=alcohol,
        approvers=approvers or [],
    )


async def refused(
    request: Request[Any, Any, Any],
    message: str,
    *,
    alcohol: dict[str, Any] | None = None,
    status_code: int | None = None,
) -> Response[Any] | Template:
    """The cart as it is, with the reason an action was refused (and, for alcohol, the authorisation form)."""
    async with db(request).read() as session:
        view = await cart.view(session, _lane_id(request))
        approvers = await pins.approvers(session) if alcohol else []
    return _cart_response(
        request, view, message, error=True, alcohol=alcohol, approvers=approvers, status_code=status_code
    )


async def _mutate(request: Request[Any, Any, Any], action: Any, *, durable: bool = True) -> Response[Any] | Template:
    """Run a change at the counter in one write transaction, tell the lane's tablets, answer with the cart.

    `durable=False` for a change to the cart alone (lines, quantities, the customer chosen): it commits without
    waiting for the disk (db/engine.py). Anything else (money, a supervisor's decision, a new customer) waits.
    """
    lane_id = _lane_id(request)
    try:
        async with db(request).write(durable=durable) as session:
            message = await action(session, lane_id) or ""
            view = await cart.view(session, lane_id)
    except AlcoholBlocked as exc:
        return await refused(
            request, exc.message, alcohol={"product_id": exc.product_id, "quantity": exc.quantity, "code": exc.code}
        )
    except DomainError as exc:
        return await refused(request, exc.message)
    await hub(request).publish(lane_id, view.version, message)
    return _cart_response(request, view, message)


# --- pairing and PIN --------------------------------------------------------------------------------------------


@get("/emparejar", opt=PUBLIC, name="pair")
async def pair_form(request: Request[Any, Any, Any], codigo: FromQuery[str] = "") -> Template:
    return page(request, "pos/pair.html", code=codigo, error=None)


@post("/emparejar", opt=PUBLIC)
async def pair(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            _device, token = await pairing.pair(session, data.get("code", ""), data.get("name", ""), now=_now())
    except DomainError as exc:
        return page(request, "pos/pair.html", status_code=400, code=data.get("code", ""), error=exc.message)
    response = redirect("/caja/pin")
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="lax", path="/")
    return response


@get("/caja/pin", opt=on_tablet(None), name="pos_pin")
async def pin_form(request: Request[Any, Any, Any]) -> Template:
    async with db(request).read() as session:
        people = await pins.cashiers(session)
    return page(request, "pos/pin.html", people=people, lane=request.state.lane, error=None, chosen=None)


@post("/caja/pin", opt=on_tablet(None))
async def pin_login(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    user_id = int(data["user_id"]) if data.get("user_id", "").isdigit() else 0
    error = None
    async with db(request).write() as session:
        device = await session.get(Device, request.state.device.id)
        assert device is not None  # the guard found it a moment ago; devices are never deleted
        try:
            user = await pins.login(session, device, user_id, data.get("pin", ""), now=_now())
            await cart.set_cashier(session, device.lane_id, user.id)
            request.set_session(login_session(user, device_id=device.id))
        except pins.PinError as exc:
            error = exc.message  # caught inside: the failure count must be committed
        people = await pins.cashiers(session)
    if error:
        return page(
            request,
            "pos/pin.html",
            status_code=401,
            people=people,
            lane=request.state.lane,
            error=error,
            chosen=user_id,
        )
    return redirect("/caja")


@post("/caja/salir", opt=SELL)
async def pin_logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return redirect("/caja/pin")


# --- the sale -------------------------------------------------------------------------------------------------


@get("/caja", opt=SELL, name="pos")
async def pos_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    lane_id = _lane_id(request)
    async with db(request).read() as session:
        current = await cash.current(session, lane_id)
        view = await cart.view(session, lane_id)
        approvers = await pins.approvers(session)
    if current is None:
        return redirect("/caja/turno")
    return page(
        request,
        "pos/sell.html",
        lane=request.state.lane,
        view=view,
        message="",
        error=False,
        approvers=approvers,
        alcohol=None,
    )


@get("/caja/carro", opt=SELL)
async def cart_fragment(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    async with db(request).read(quick=True) as session:
        view = await cart.view(session, _lane_id(request))
    return _cart_response(request, view)


@post("/caja/escanear", opt=SELL)
async def scan(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    code = (await form_data(request)).get("code", "").strip()

    times, code_only = cart.split_times(code)
    reference = returns.scanned_timbre(code)
    if reference is not None:  # a receipt's timbre, read by a scanner paired to the tablet
        return await refused(request, f"Es el timbre de la {reference.name}: para devolverla, abra Devolución.")

    async def action(session: Any, lane_id: int) -> str:
        line = await cart.add_scan(session, lane_id, code_only, times=times)
        return f"{line.description} agregado" + (f" ×{times}" if times != 1 else "")

    return await _mutate(request, action, durable=False)


@post("/caja/agregar", opt=SELL)
async def add(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    data = await form_data(request)

    async def action(session: Any, lane_id: int) -> str:
        product = await catalog.sellable(session, int(data.get("product_id", "0") or 0))
        if product is None:
            raise DomainError("El producto no existe.", "not_found")
        raw = data.get("quantity", "") or "1"
        quantity = parse_quantity(raw, weighed=product.unit == "kg")
        line = await cart.add_product(session, lane_id, product, quantity)
        return f"{line.description} agregado"

    return await _mutate(request, action, durable=False)


@post("/caja/lineas/{line_no:int}/cantidad", opt=SELL)
async def set_quantity(request: Request[Any, Any, Any], line_no: FromPath[int]) -> Response[Any] | Template:
    data = await form_data(request)

    async def action(session: Any, lane_id: int) -> str:
        product = await cart.line_product(session, lane_id, line_no)
        quantity = parse_quantity(data.get("quantity", ""), weighed=product.unit == "kg")
        return await cart.set_quantity(session, lane_id, line_no, quantity, now=_now())

    return await _mutate(request, action, durable=False)


@post("/caja/lineas/{line_no:int}/quitar", opt=SELL)
async def remove(request: Request[Any, Any, Any], line_no: FromPath[int]) -> Response[Any] | Template:
    async def action(session: Any, lane_id: int) -> str:
        await cart.remove_line(session, lane_id, line_no)
        return "Línea quitada"

    return await _mutate(request, action, durable=False)


@post("/caja/anular", opt=SELL)
async def void(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    async def action(session: Any, lane_id: int) -> str:
        await cart.clear(session, lane_id)
        return "Venta anulada"

    return await _mutate(request, action, durable=False)


@post("/caja/edad", opt=SELL)
async def confirm_age(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    async def action(session: Any, lane_id: int) -> str:
        await cart.confirm_age(session, lane_id, user_id=request.user.id)
        return "Edad confirmada"

    return await _mutate(request, action)


@get("/caja/buscar", opt=SELL)
async def find(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Template:
    async with db(request).read(quick=True) as session:
        hits = await search.search(session, q, limit=24) if q.strip() else []
    return page(request, "pos/_tiles.html", hits=hits, q=q)


@get("/caja/precio", opt=SELL)
async def price_check(request: Request[Any, Any, Any], code: FromQuery[str] = "") -> Template:
    """Price check mode: what a product costs, without selling it."""
    async with db(request).read(quick=True) as session:
        match = await catalog.find_by_scan(session, code) if code.strip() else None
    return page(request, "pos/_price.html", match=match, code=code)


def _tenders(data: dict[str, str]) -> list[Tender]:
    tenders = []
    for method in (M.DEBITO, M.CREDITO, M.TRANSFERENCIA, M.FIADO, M.EFECTIVO):
        raw = data.get(method.value, "").strip()
        if raw:
            amount = parse_clp(raw)
            if amount:
                tenders.append(Tender(method, amount, data.get(f"{method.value}_ref", "").strip()[:40]))
    return tenders


@post("/caja/pagar", opt=SELL)
async def pay(request: Request[Any, Any, Any]) -> Response[Any] | Template | Redirect:
    data = await form_data(request)
    lane_id = _lane_id(request)
    try:
        tenders = _tenders(data)
        async with db(request).write() as session:
            result = await checkout.checkout(
                session,
                lane_id,
                tenders,
                cashier_id=request.user.id,
                now=_now(),
                secrets_dir=request.app.state.settings.secrets_dir,
            )
            version = (await cart.view(session, lane_id)).version
    except DomainError as exc:
        async with db(request).read() as session:
            view = await cart.view(session, lane_id)
        return _cart_response(request, view, exc.message, error=True)
    await hub(request).publish(lane_id, version, f"Venta N° {result.number} pagada")
    if wants_json(request):
        return Response(
            {
                "sale_id": result.sale_id,
                "number": result.number,
                "total": result.total,
                "change": result.settlement.change,
                "rounding": result.settlement.rounding,
            },
            status_code=200,  # a POST would default to 201
        )
    return redirect(f"/caja/ventas/{result.sale_id}")


@get("/caja/ventas/{sale_id:int}", opt=SELL, name="pos_receipt")
async def receipt(request: Request[Any, Any, Any], sale_id: FromPath[int]) -> Template:
    async with db(request).read() as session:
        sale = await session.get(Sale, sale_id)
        if sale is None:
            raise DomainError("La venta no existe.", "not_found")
        lines = list(
            await session.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id).order_by(SaleLine.line_no))
        )
        payments = list(await session.scalars(select(Payment).where(Payment.sale_id == sale_id)))
        cashier = await session.get(User, sale.cashier_id) if sale.cashier_id else None
        units = dict(
            (
                await session.execute(
                    select(Product.id, Product.unit).where(Product.id.in_([line.product_id for line in lines]))
                )
            ).all()
        )
        document = await session.scalar(select(Document).where(Document.sale_id == sale_id))
    timbre = None
    if document is not None:
        svg = render_pdf417_svg(document.ted, scale=2, ratio=3).decode("utf-8")
        timbre = svg[svg.index("<svg") :]  # inline in the page: without the XML declaration
    return page(
        request,
        "pos/receipt.html",
        sale=sale,
        lines=lines,
        payments=payments,
        cashier=cashier,
        lane=request.state.lane,
        units=units,
        document=document,
        timbre=timbre,
        doc_name=TipoDTE(document.tipo).nombre if document else "",
    )


@post("/caja/ventas/{sale_id:int}/reimprimir", opt=SELL)
async def reprint(request: Request[Any, Any, Any], sale_id: FromPath[int]) -> Redirect:
    """Print the sale's document again on this lane's printer, marked COPIA (after commit, like any receipt)."""
    lane_id = _lane_id(request)
    async with db(request).write() as session:
        if await session.get(Sale, sale_id) is None:
            raise DomainError("La venta no existe.", "not_found")
        document = await session.scalar(
            select(Document).where(Document.sale_id == sale_id, Document.tipo.in_((39, 33))).order_by(Document.id)
        )
        payload: dict[str, object] = {"lane_id": lane_id, "sale_id": sale_id, "copy": True}
        if document is not None:
            payload["document_id"] = document.id
        session.add(
            OutboxEntry(
                kind="print_receipt",
                ref_type="sale",
                ref_id=str(sale_id),
                payload=payload,
                available_at=_now(),
                created_at=_now(),
            )
        )
        await audit.record(
            session, request.user.id, "sale.reprint", "sale", sale_id, {"folio": document.folio if document else None}
        )
    printing = request.app.state.printing
    if printing is not None:
        printing.wake()
    shown = f"la {TipoDTE(document.tipo).nombre.lower()} N° {document.folio}" if document else "el comprobante"
    flash(request, f"Copia de {shown} enviada a la impresora.")
    return redirect(f"/caja/ventas/{sale_id}")


@get("/caja/eventos", opt=SELL)
async def events(request: Request[Any, Any, Any], after: FromQuery[int | None] = None) -> ServerSentEvent:
    """Server-sent events: a "notice" whenever the lane's cart changes or the box has something to say."""
    lane_id = _lane_id(request)
    lane_hub = hub(request)

    async def stream() -> AsyncGenerator[ServerSentEventMessage, None]:
        seen = lane_hub.last_seq(lane_id) if after is None else after
        while True:
            notice = await lane_hub.wait(lane_id, seen, keepalive=15)
            if notice is None:
                yield ServerSentEventMessage(comment="keep-alive")
                continue
            seen = notice.seq
            body: dict[str, Any] = {"version": notice.version, "message": notice.message, "ok": notice.ok}
            if notice.alcohol is not None:
                body["alcohol"] = {"product_id": notice.alcohol[0], "quantity": notice.alcohol[1]}
            if notice.receipt:
                body["receipt"] = notice.receipt
            data = json.dumps(body)
            yield ServerSentEventMessage(event="notice", data=data, id=str(notice.seq))

    return ServerSentEvent(stream())


ROUTES = [
    reprint,
    pair_form,
    pair,
    pin_form,
    pin_login,
    pin_logout,
    pos_page,
    cart_fragment,
    scan,
    add,
    set_quantity,
    remove,
    void,
    confirm_age,
    find,
    price_check,
    pay,
    receipt,
    events,
]
