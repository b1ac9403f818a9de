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
from appliance.db.models import Document, OutboxEntry, Payment, Product, Sale, SaleLine, User
from appliance.db.models import PaymentMethod as M
from appliance.http.approvals import check_pin, supervisor_from_form, typed_values
from appliance.http.auth import DEVICE_COOKIE, client_address, session_token, sign_in, still_signed_in
from appliance.http.controllers.session import end_session
from appliance.http.errors import wants_json
from appliance.http.inputs import as_int, as_text
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import COUNTER, PUBLIC, on_tablet
from appliance.pos import pairing, pins
from appliance.pos.events import LaneHub
from appliance.sales import cart, checkout, returns
from appliance.sales.cart import AlcoholBlocked, CartView
from appliance.sales.tenders import Tender
from appliance.sii.doctypes import TipoDTE
from appliance.sii.pdf417 import render_pdf417_svg
from appliance.users import sessions
from appliance.users.throttle import Guards, wait_text

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
    values: dict[str, str] | None = None,
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
        values=values or {},
    )


async def refused(
    request: Request[Any, Any, Any],
    message: str,
    *,
    alcohol: dict[str, Any] | None = None,
    status_code: int | None = None,
    values: dict[str, str] | None = None,
) -> Response[Any] | Template:
    """The cart as it is, with the reason an action was refused (and, for alcohol, the authorisation form), and
    `values`: what was typed into the form that was refused, PINs excepted, to show it again."""
    async with db(request).read() as session:
        view = await cart.view(session, _lane_id(request))
        approvers = await pins.approvers(session) if alcohol or values else []
    return _cart_response(
        request,
        view,
        message,
        error=True,
        alcohol=alcohol,
        approvers=approvers,
        status_code=status_code,
        values=values,
    )


async def _mutate(
    request: Request[Any, Any, Any], action: Any, *, durable: bool = True, values: dict[str, str] | None = None
) -> Response[Any] | Template:
    """Run a change at the counter in one write transaction, tell the lane's tablets, answer with the cart.

    `durable=False` for a change to the cart alone (lines, quantities, the customer chosen): it commits without
    waiting for the disk (db/engine.py). Anything else (money, a supervisor's decision, a new customer) waits.
    `values`: what the form held, shown again if the change is refused.
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
        return await refused(request, exc.message, values=values)
    await hub(request).publish(lane_id, view.version, message)
    return _cart_response(request, view, message)


# --- pairing and PIN --------------------------------------------------------------------------------------------


@get("/emparejar", opt=PUBLIC, name="pair")
async def pair_form(request: Request[Any, Any, Any], codigo: FromQuery[str] = "") -> Template:
    return page(request, "pos/pair.html", code=as_text(codigo, "codigo", max_len=20, label="código"), error=None)


@post("/emparejar", opt=PUBLIC)
async def pair(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Guessing codes is slowed per address (growing delays) and per code (a few wrong guesses void every code
    valid at the time: pos/pairing.py)."""
    data = await form_data(request)
    code = data.text("code", max_len=20, label="código")
    guards: Guards = request.app.state.guards
    address = client_address(request)
    if (wait := await guards.claim_pairing(address)) > 0:
        message = f"Demasiados códigos incorrectos. Espere {wait_text(wait)} y vuelva a intentar."
        return page(request, "pos/pair.html", status_code=429, code=code, error=message)
    error = None
    async with db(request).write() as session:
        try:
            _device, token = await pairing.pair(session, code, data.text("name", max_len=60), now=_now())
        except DomainError as exc:
            error = exc.message  # caught inside: the wrong guess must be committed
    if error is not None:  # the try was already counted when it claimed its turn
        return page(request, "pos/pair.html", status_code=400, code=code, error=error)
    guards.pairing_client.succeeded(address)
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
    user_id = data.id("user_id", label="usuario")
    try:
        user = await check_pin(request, user_id, data.text("pin", max_len=12))
    except pins.PinError as exc:
        async with db(request).read() as session:
            people = await pins.cashiers(session)
        return page(
            request,
            "pos/pin.html",
            status_code=401,
            people=people,
            lane=request.state.lane,
            error=exc.message,
            chosen=user_id,
        )
    device = request.state.device
    previous = session_token(request)
    async with db(request).write() as session:
        if previous is not None:  # the cashier before, if they did not sign out: their session ends here
            await sessions.end(session, previous, now=_now())
        await cart.set_cashier(session, device.lane_id, user.id)
        lifetime = request.app.state.settings.session_max_age
        request.set_session(await sign_in(session, request, user, lifetime=lifetime, device_id=device.id))
    return redirect("/caja")


@post("/caja/salir", opt=SELL)
async def pin_logout(request: Request[Any, Any, Any]) -> Redirect:
    await end_session(request)
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
    # A receipt's timbre read by the scanner is a few hundred characters of XML; a product code, a few dozen.
    code = (await form_data(request)).text("code", max_len=2000, label="código").strip()

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

    raw = data.text("quantity", max_len=20) or "1"

    async def action(session: Any, lane_id: int) -> str:
        product = await catalog.sellable(session, data.required_id("product_id", "Elija un producto."))
        if product is None:
            raise DomainError("El producto no existe.", "not_found")
        quantity = parse_quantity(raw, weighed=product.unit == "kg")
        line = await cart.add_product(session, lane_id, product, quantity)
        return f"{line.description} agregado"

    return await _mutate(request, action, durable=False)


@post("/caja/lineas/{line_no:int}/cantidad", opt=SELL)
async def set_quantity(request: Request[Any, Any, Any], line_no: FromPath[int]) -> Response[Any] | Template:
    raw = (await form_data(request)).text("quantity", max_len=20)

    async def action(session: Any, lane_id: int) -> str:
        product = await cart.line_product(session, lane_id, line_no)
        quantity = parse_quantity(raw, weighed=product.unit == "kg")
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
    q = as_text(q, "q", max_len=100, label="búsqueda")
    async with db(request).read(quick=True) as session:
        hits = await search.search(session, q, limit=24) if q.strip() else []
    return page(request, "pos/_tiles.html", hits=hits, q=q)


@get("/caja/precio", opt=SELL)
async def price_check(request: Request[Any, Any, Any], code: FromQuery[str] = "") -> Template:
    """Price check mode: what a product costs, without selling it."""
    code = as_text(code, "code", max_len=100)
    async with db(request).read(quick=True) as session:
        match = await catalog.find_by_scan(session, code) if code.strip() else None
    return page(request, "pos/_price.html", match=match, code=code)


def _tenders(data: dict[str, str]) -> list[Tender]:
    tenders = []
    for method in (M.DEBITO, M.CREDITO, M.TRANSFERENCIA, M.FIADO, M.EFECTIVO):
        raw = data.get(method.value, "").strip()
        if raw:
            amount = parse_clp(raw[:40])
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


# Sales of other lanes a supervisor let this tablet's session see (a few, in the session cookie).
GRANTS_KEY = "sale_grants"


def may_see_sale(request: Request[Any, Any, Any], sale: Sale) -> bool:
    """A tablet sees its own lane's sales; another lane's takes a supervisor's PIN (the receipt shows the customer,
    the cashier and what was paid, and a reprint is a second copy of a fiscal document)."""
    return sale.lane == request.state.lane.code or sale.id in request.session.get(GRANTS_KEY, [])


async def other_lane_page(
    request: Request[Any, Any, Any],
    sale: Sale,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    then: str = "",
) -> Template:
    """The sale is another lane's: a supervisor's PIN lets this tablet see it, then it goes on to `then`."""
    async with db(request).read() as session:
        approvers = await pins.approvers(session)
    return page(
        request,
        "pos/other_lane.html",
        status_code=403 if error is None else 400,
        sale=sale,
        lane=request.state.lane,
        approvers=approvers,
        error=error,
        values=values or {},
        then=then,
    )


def _then(raw: str, sale_id: int) -> str:
    # Only back to a counter screen of this box; the receipt otherwise.
    if raw.startswith("/caja/") and len(raw) <= 2000 and raw.isprintable() and "//" not in raw:
        return raw
    return f"/caja/ventas/{sale_id}"


async def _sale(request: Request[Any, Any, Any], sale_id: int) -> Sale:
    async with db(request).read() as session:
        sale = await session.get(Sale, sale_id)
    if sale is None:
        raise DomainError("La venta no existe.", "not_found")
    return sale


@post("/caja/ventas/{sale_id:int}/autorizar", opt=SELL)
async def authorise_sale(request: Request[Any, Any, Any], sale_id: FromPath[int]) -> Template | Redirect:
    """A supervisor lets this tablet see (and reprint) a sale of another lane."""
    sale = await _sale(request, sale_id)
    data = await form_data(request)
    then = _then(data.text("then", max_len=2000), sale_id)
    try:
        approver = await supervisor_from_form(request, data)
    except DomainError as exc:
        return await other_lane_page(request, sale, error=exc.message, values=typed_values(data), then=then)
    async with db(request).write() as session:
        await audit.record(session, approver.id, "sale.other_lane", "sale", sale_id, {"lane": request.state.lane.code})
    grants = [g for g in request.session.get(GRANTS_KEY, []) if g != sale_id][-9:]
    request.session[GRANTS_KEY] = [*grants, sale_id]
    return redirect(then)


@get("/caja/ventas/{sale_id:int}", opt=SELL, name="pos_receipt")
async def receipt(request: Request[Any, Any, Any], sale_id: FromPath[int]) -> Template:
    if not may_see_sale(request, sale := await _sale(request, sale_id)):
        return await other_lane_page(request, sale)
    async with db(request).read() as session:
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
async def reprint(request: Request[Any, Any, Any], sale_id: FromPath[int]) -> Template | Redirect:
    """Print the sale's document again on this lane's printer, marked COPIA (after commit, like any receipt)."""
    lane_id = _lane_id(request)
    if not may_see_sale(request, sale := await _sale(request, sale_id)):
        return await other_lane_page(request, sale)
    async with db(request).write() as session:
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
async def events(request: Request[Any, Any, Any], after: FromQuery[str] = "") -> ServerSentEvent:
    """Server-sent events: a "notice" whenever the lane's cart changes or the box has something to say."""
    lane_id = _lane_id(request)
    after_seq = as_int(after, "after", maximum=2**62, label="último aviso")
    lane_hub = hub(request)

    async def stream() -> AsyncGenerator[ServerSentEventMessage, None]:
        seen = lane_hub.last_seq(lane_id) if after_seq is None else after_seq
        while True:
            notice = await lane_hub.wait(lane_id, seen, keepalive=15)
            if not await still_signed_in(request):
                return  # signed out, tablet revoked, user deactivated: the lane's notices stop here
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
    authorise_sale,
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
