"""The counter's extras on the tablet: ¿trae envase?, empties brought back, supervisor discounts and alcohol
authorisations, the lane's scale, quick keys, and the customer (fiado, factura, abonos).

A supervisor's PIN is checked in a transaction of its own, committed even when it fails, so that wrong guesses count
towards the lockout; the action itself then runs in the usual cart transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template
from sqlalchemy import select

from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import FormErrors
from appliance.core.errors import DomainError
from appliance.core.money import format_clp, parse_clp
from appliance.core.quantity import MAX_QUANTITY, parse_quantity
from appliance.customers import service as parties
from appliance.db.models import Category, Customer, Product
from appliance.devices import actions
from appliance.http.approvals import supervisor_from_form, typed_values
from appliance.http.controllers.pos import SELL, _lane_id, _mutate, refused
from appliance.http.inputs import as_id, as_int, as_text
from appliance.http.pages import db, form_data, page
from appliance.sales import cart, fiado


def _now() -> datetime:
    return datetime.now(UTC)


# --- envases (Ley 21.368) ---------------------------------------------------------------------------------------


@post("/caja/lineas/{line_no:int}/envase", opt=SELL)
async def answer_envase(request: Request[Any, Any, Any], line_no: FromPath[int]) -> Response[Any] | Template:
    brings = (await form_data(request)).choice("trae", ("si", "no"), default="no", label="¿trae envase?") == "si"

    async def action(session: Any, lane_id: int) -> str:
        return await cart.answer_envase(session, lane_id, line_no, brings=brings)

    return await _mutate(request, action, durable=False)


@post("/caja/envases", opt=SELL)
async def redeem(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    data = await form_data(request)

    async def action(session: Any, lane_id: int) -> str:
        container_id = data.required_id("container_id", "Elija el envase que trae el cliente.")
        container = await catalog.sellable(session, container_id)
        if container is None:
            raise DomainError("Elija el envase que trae el cliente.", "not_found")
        units = data.number("units", maximum=999, label="envases") or 0
        line = await cart.redeem_container(session, lane_id, container, units)
        return f"{units} envase{'s' if units != 1 else ''} devuelto{'s' if units != 1 else ''}: {line.description}"

    return await _mutate(request, action, durable=False)


# --- supervisor decisions ---------------------------------------------------------------------------------------


@post("/caja/lineas/{line_no:int}/descuento", opt=SELL)
async def discount(request: Request[Any, Any, Any], line_no: FromPath[int]) -> Response[Any] | Template:
    data = await form_data(request)
    typed = {**typed_values(data), "line_no": str(line_no)}
    try:
        change = _discount_change(data.text("kind", max_len=10), data.text("value", max_len=20).strip())
        approver = await supervisor_from_form(request, data)
    except DomainError as exc:
        return await refused(request, exc.message, values=typed)
    reason = data.text("reason", max_len=120)

    async def action(session: Any, lane_id: int) -> str:
        label = await cart.adjust_line(session, lane_id, line_no, approver=approver, reason=reason, **change)
        return f"{label} por {approver.full_name}"

    return await _mutate(request, action, values=typed)


def _discount_change(kind: str, raw: str) -> dict[str, int]:
    if kind == "percent":
        percent = as_int(raw.rstrip("%").strip(), "value", maximum=100, label="porcentaje")
        if percent is None:
            raise DomainError("El porcentaje es un número entero (ej.: 10).", "invalid_discount")
        return {"percent": percent}
    if kind in ("amount", "price"):
        return {"amount" if kind == "amount" else "new_price": parse_clp(raw)}
    raise DomainError("Elija descuento en %, en pesos, o precio nuevo.", "invalid_discount")


@get("/caja/alcohol", opt=SELL)
async def alcohol_form(
    request: Request[Any, Any, Any], producto: FromQuery[str] = "", cantidad: FromQuery[str] = ""
) -> Response[Any] | Template:
    """The cart with the supervisor's authorisation for alcohol refused on the box's own scanner: the tablet asks for
    it when that notice arrives (a code typed on the tablet gets the form in its answer)."""
    product_id = as_id(producto, "producto")
    quantity = as_int(cantidad, "cantidad", minimum=1, maximum=MAX_QUANTITY * 1000) or 1000
    if product_id is None:
        return await refused(request, "No hay nada que autorizar: escanee el producto de nuevo.", status_code=200)
    async with db(request).read() as session:
        blocked = await cart.alcohol_refusal(session, product_id, quantity, now=_now())
    if blocked is None:  # not alcohol, or its hours began meanwhile: nothing to authorise
        return await refused(request, "No hay nada que autorizar: escanee el producto de nuevo.", status_code=200)
    alcohol = {"product_id": blocked.product_id, "quantity": blocked.quantity, "code": blocked.code}
    return await refused(request, blocked.message, alcohol=alcohol, status_code=200)


@post("/caja/alcohol", opt=SELL)
async def authorise_alcohol(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    data = await form_data(request)
    product_id = data.required_id("product_id", "Elija el producto que se autoriza.")
    quantity = data.number("quantity", minimum=1, maximum=MAX_QUANTITY * 1000, label="cantidad") or 1000
    try:
        approver = await supervisor_from_form(request, data)
    except DomainError as exc:
        # The authorisation form again, as it was typed: the refusal is about the PIN, the alcohol is still there.
        async with db(request).read() as session:
            blocked = await cart.alcohol_refusal(session, product_id, quantity, now=_now())
        alcohol = {"product_id": product_id, "quantity": quantity, "code": blocked.code if blocked else ""}
        return await refused(request, exc.message, alcohol=alcohol, values=typed_values(data))

    async def action(session: Any, lane_id: int) -> str:
        product = await catalog.sellable(session, product_id)
        if product is None:
            raise DomainError("El producto no existe.", "not_found")
        line = await cart.add_product(session, lane_id, product, quantity, now=_now(), alcohol_approver=approver)
        return f"{line.description} autorizado por {approver.full_name}"

    return await _mutate(request, action)


# --- the scale and the quick keys ---------------------------------------------------------------------------------


@post("/caja/pesar", opt=SELL)
async def weigh(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    """A weighed product at the weight on the lane's scale (stable), or at a typed weight when the form sends one."""
    data = await form_data(request)
    lane_id = _lane_id(request)
    typed = data.text("kg", max_len=20, label="peso").strip()
    grams: int | None = None
    failure = ""
    if not typed:  # the scale is read outside the transaction: it may take a moment to settle
        outcome = await actions.read_weight(request.app.state.devices, lane_id)
        if outcome.ok and outcome.weight is not None:
            grams = int(outcome.weight.grams)
            if grams <= 0:
                failure = "La balanza marca 0: ponga el producto en el plato."
        else:
            failure = outcome.message

    async def action(session: Any, lane_id: int) -> str:
        if failure:
            raise DomainError(f"{failure} También puede escribir el peso.", "scale_unavailable")
        product = await catalog.sellable(session, data.required_id("product_id", "Elija el producto que se pesa."))
        if product is None or product.unit != "kg":
            raise DomainError("Elija un producto que se vende por peso.", "not_weighed")
        weight = parse_quantity(typed, weighed=True) if typed else grams
        assert weight is not None
        line = await cart.add_product(session, lane_id, product, weight, now=_now())
        return f"{line.description}: {weight / 1000:.3f} kg".replace(".", ",")

    return await _mutate(request, action, durable=False)


@get("/caja/teclas", opt=SELL)
async def quick_keys(request: Request[Any, Any, Any]) -> Template:
    """The PLU grid: quick-key products grouped by category (pan, frutas, bolsas…)."""
    async with db(request).read() as session:
        rows = (
            await session.execute(
                select(Product, Category.name)
                .outerjoin(Category, Category.id == Product.category_id)
                .where(Product.quick_key, Product.active)
                .order_by(Category.name, Product.name)
                .limit(200)
            )
        ).all()
    groups: dict[str, list[Product]] = {}
    for product, category in rows:
        groups.setdefault(category or "Otros", []).append(product)
    return page(request, "pos/_quick_keys.html", groups=groups)


# --- the customer: fiado, factura, abonos -----------------------------------------------------------------------


@get("/caja/clientes", opt=SELL)
async def find_customers(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Template:
    q = as_text(q, "q", max_len=100, label="búsqueda")
    async with db(request).read() as session:
        found = await parties.list_customers(session, q.strip(), limit=12) if q.strip() else []
        rows = [(c, await fiado.balance(session, c.id)) for c in found if c.active]
    return page(request, "pos/_customers.html", rows=rows, q=q)


@post("/caja/cliente", opt=SELL)
async def choose_customer(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    data = await form_data(request)

    async def action(session: Any, lane_id: int) -> str:
        return await cart.set_customer(
            session, lane_id, data.id("customer_id", label="cliente"), factura=data.get("documento") == "factura"
        )

    return await _mutate(request, action, durable=False)


@post("/caja/clientes", opt=SELL)
async def quick_customer(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    """Quick create at the counter (RUT validated); nothing is kept if the factura can't be issued to it."""
    data = await form_data(request)

    async def action(session: Any, lane_id: int) -> str:
        try:
            customer = await parties.save_customer(
                session,
                {k: data.text(k) for k in ("rut", "name", "giro", "address", "comuna", "email", "phone")},
                customer_id=None,
                actor_id=request.user.id,
            )
        except FormErrors as exc:
            raise DomainError("Cliente no creado: " + "; ".join(exc.fields.values()), "invalid_customer") from exc
        return await cart.set_customer(session, lane_id, customer.id, factura=data.get("documento") == "factura")

    return await _mutate(request, action)


@post("/caja/fiado/abono", opt=SELL)
async def fiado_payment(request: Request[Any, Any, Any]) -> Response[Any] | Template:
    """A customer pays off fiado at the counter; in cash it goes into this lane's drawer."""
    data = await form_data(request)

    async def action(session: Any, lane_id: int) -> str:
        customer_id = data.required_id("customer_id", "Elija el cliente que abona.")
        method = data.get("method", "efectivo")
        if method not in ("efectivo", "debito", "transferencia"):
            raise DomainError("El abono se paga en efectivo, débito o transferencia.", "invalid_method")
        current = await cash.current(session, lane_id)
        left = await fiado.pay(
            session,
            customer_id,
            parse_clp(data.text("amount", max_len=40, label="monto")),
            method=method,
            user_id=request.user.id,
            now=_now(),
            cash_session_id=current.id if current else None,
        )
        customer = await session.get(Customer, customer_id)
        return f"Abono recibido. {customer.name if customer else ''} queda debiendo {format_clp(left)}."

    return await _mutate(request, action)


@get("/caja/envases/lista", opt=SELL)
async def containers(request: Request[Any, Any, Any]) -> Template:
    async with db(request).read() as session:
        ids = select(Product.container_product_id).where(Product.container_product_id.is_not(None))
        rows = list(await session.scalars(select(Product).where(Product.id.in_(ids)).order_by(Product.name)))
    return page(request, "pos/_containers.html", containers=rows)


ROUTES = [
    answer_envase,
    redeem,
    discount,
    alcohol_form,
    authorise_alcohol,
    weigh,
    quick_keys,
    find_customers,
    choose_customer,
    quick_customer,
    fiado_payment,
    containers,
]
