"""The lane's cart, kept on the box: lines come from scans, searches and the scale; every change bumps a version
so the lane's tablets (and a second tablet on the same lane) refresh.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog import promotion_cache
from appliance.catalog import service as catalog
from appliance.catalog.service import Sellable
from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.money import format_clp, round_half_up, split_gross
from appliance.core.quantity import line_amount
from appliance.db.models import Customer, Product, Role, User
from appliance.db.raw import marks, raw, stored_now, tx_state
from appliance.sales import compliance, fiado, promotions
from appliance.sii import stamping
from appliance.sii.amounts import Totals

MAX_LINES = 1000  # a boleta holds up to 1.000 Detalle lines


class CartError(DomainError):
    default_code = "cart_error"


class UnknownBarcode(CartError):
    default_code = "unknown_barcode"


class AlcoholBlocked(CartError):
    """Alcohol out of hours or on a ley seca date: the screen offers a supervisor's authorisation for this product."""

    default_code = "alcohol_blocked"

    def __init__(self, reason: str, product_id: int, quantity: int) -> None:
        super().__init__(f"{reason} Requiere autorización de un supervisor.")
        self.product_id = product_id
        self.quantity = quantity


@dataclass(frozen=True)
class LineView:
    line_no: int
    product_id: int
    description: str
    quantity: int
    unit: str
    unit_price: int
    discount: int
    amount: int
    tax: str
    flags: dict[str, object]
    note: str = ""  # the promotion or authorised discount, shown under the line and printed
    deposit: bool = False  # a container deposit charged for the drink above it (derived, Ley 21.368)
    redeem: bool = False  # empties brought back: a credit, not a sale line
    additional_tax: int | None = None  # ILA code, itemised on a factura

    @property
    def sold(self) -> bool:
        """Whether this line goes on the document (empties brought back do not: they pay part of it)."""
        return not self.redeem

    def as_sold(self) -> stamping.SoldLine:
        """The line as stamping takes it: the cart's factura preview and the checkout both go through here."""
        return stamping.SoldLine(
            self.product_id,
            self.description,
            self.quantity,
            self.unit_price,
            self.discount,
            self.tax,
            deposit=self.deposit,
            additional_tax=self.additional_tax,
            note=self.note,
        )


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    rut: str | None
    can_invoice: bool  # RUT, razón social, giro and address: enough for a factura
    credit_limit: int
    balance: int
    blocked: bool


@dataclass(frozen=True)
class CartView:
    lane_id: int
    version: int
    cashier_id: int | None
    lines: tuple[LineView, ...]
    total: int  # what the document will say
    exempt: int
    net: int
    iva: int
    credit: int = 0  # empties brought back, paying part of the total
    document_tipo: int = 39
    customer: CustomerView | None = None
    additional_tax: int = 0  # ILA itemised on a factura (inside the gross prices on a boleta)

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def due(self) -> int:
        """What the customer still has to pay after the empties."""
        return self.total - self.credit

    @property
    def sold_lines(self) -> tuple[LineView, ...]:
        return tuple(line for line in self.lines if line.sold)

    @property
    def pending(self) -> dict[str, bool]:
        """What the cashier must still answer before payment."""
        return {
            "age": any(ln.flags.get("age_restricted") and not ln.flags.get("age_confirmed") for ln in self.lines),
            "envase": any(ln.flags.get("envase") == "pendiente" for ln in self.lines),
        }


@dataclass
class Line:
    """A cart line as stored (cart_lines): what was scanned, at what price, and what the cashier answered."""

    id: int
    line_no: int
    product_id: int
    description: str
    quantity: int  # milli-units
    unit_price: int
    discount: int
    flags: dict[str, object]


@dataclass
class _Cart:
    id: int
    version: int
    cashier_id: int | None
    customer_id: int | None
    document_tipo: int
    lines: list[Line]


# The cart owns its two tables and speaks plain SQL to them (db/raw.py): a scan is a handful of statements, and
# through the ORM their Python cost many times what SQLite takes to run them.
_CART_AND_LINES = (
    "SELECT c.id, c.version, c.cashier_id, c.customer_id, c.document_tipo,"
    " l.id, l.line_no, l.product_id, l.description, l.quantity, l.unit_price, l.discount, l.flags"
    " FROM carts c LEFT JOIN cart_lines l ON l.cart_id = c.id WHERE c.lane_id = ? ORDER BY l.line_no"
)
_INSERT_LINE = (
    "INSERT INTO cart_lines (cart_id, line_no, product_id, description, quantity, unit_price, discount, flags)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _line_products_sql(n: int) -> str:
    """The lines' products and their container-deposit products, in one query."""
    return (
        "SELECT id, unit, tax, additional_tax, container_product_id, price, short_name, name FROM products"
        f" WHERE id IN ({marks(n)}) OR id IN (SELECT container_product_id FROM products WHERE id IN ({marks(n)}))"
    )


@dataclass(frozen=True, slots=True)
class _LineProduct:
    id: int
    unit: str
    tax: str
    additional_tax: int | None
    container_product_id: int | None
    price: int
    short_name: str
    name: str


async def _load(session: AsyncSession, lane_id: int) -> _Cart | None:
    # The cart this transaction already loaded (and may have changed) is the current one: loading it again for the
    # view costs a query and its row processing on every scan.
    held: _Cart | None = tx_state(session).get(("cart", lane_id))
    if held is not None:
        return held
    rows = await (await raw(session)).all(_CART_AND_LINES, (lane_id,))
    if not rows:
        return None
    first = rows[0]
    cart = _Cart(
        first[0],
        first[1],
        first[2],
        first[3],
        first[4],
        [Line(r[5], r[6], r[7], r[8], r[9], r[10], r[11], json.loads(r[12])) for r in rows if r[5] is not None],
    )
    tx_state(session)[("cart", lane_id)] = cart
    return cart


async def _cart(session: AsyncSession, lane_id: int) -> _Cart:
    cart = await _load(session, lane_id)
    if cart is None:
        cart_id = await (await raw(session)).run(
            "INSERT INTO carts (lane_id, version, document_tipo, updated_at) VALUES (?, 0, 39, ?)",
            (lane_id, stored_now()),
        )
        cart = _Cart(cart_id, 0, None, None, 39, [])
        tx_state(session)[("cart", lane_id)] = cart
    return cart


async def _touch(session: AsyncSession, cart: _Cart) -> None:
    """Store the cart's header with a new version: the lane's tablets refresh on it."""
    cart.version += 1
    await (await raw(session)).run(
        "UPDATE carts SET version = ?, cashier_id = ?, customer_id = ?, document_tipo = ?, updated_at = ? WHERE id = ?",
        (cart.version, cart.cashier_id, cart.customer_id, cart.document_tipo, stored_now(), cart.id),
    )


async def _append(session: AsyncSession, cart: _Cart, line: Line) -> Line:
    line.id = await (await raw(session)).run(
        _INSERT_LINE,
        (
            cart.id,
            line.line_no,
            line.product_id,
            line.description,
            line.quantity,
            line.unit_price,
            line.discount,
            json.dumps(line.flags),
        ),
    )
    cart.lines.append(line)
    return line


async def _save_line(session: AsyncSession, line: Line) -> None:
    await (await raw(session)).run(
        "UPDATE cart_lines SET quantity = ?, unit_price = ?, discount = ?, flags = ? WHERE id = ?",
        (line.quantity, line.unit_price, line.discount, json.dumps(line.flags), line.id),
    )


async def customer_view(session: AsyncSession, customer_id: int) -> CustomerView | None:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    return CustomerView(
        customer.id,
        customer.name,
        customer.rut,
        bool(customer.rut and customer.name and customer.giro and customer.address and customer.comuna),
        customer.credit_limit,
        await fiado.balance(session, customer.id),
        customer.blocked,
    )


def today_in_chile(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(CHILE_TZ).date()


async def view(session: AsyncSession, lane_id: int, *, now: datetime | None = None) -> CartView:
    cart = await _load(session, lane_id)
    if cart is None:
        return CartView(lane_id, 0, None, (), 0, 0, 0, 0)
    ids = sorted({line.product_id for line in cart.lines})
    rows = await (await raw(session)).all(_line_products_sql(len(ids)), (*ids, *ids)) if ids else []
    info = {row[0]: _LineProduct(*row) for row in rows}
    rules = await promotion_cache.active_rules(session, today_in_chile(now)) if cart.lines else []
    priced = [
        promotions.PricedLine(
            line.line_no,
            line.product_id,
            line.quantity,
            line.unit_price,
            weighed=getattr(info.get(line.product_id), "unit", "unit") == "kg",
            manual=bool(line.flags.get("manual")),
        )
        for line in cart.lines
        if not line.flags.get("redeem")
    ]
    promos = promotions.apply(priced, rules, today_in_chile(now))
    lines: list[LineView] = []
    for line in cart.lines:
        product = info.get(line.product_id)
        unit = product.unit if product else "unit"
        flags = dict(line.flags or {})
        if flags.get("redeem"):
            lines.append(
                LineView(
                    line.line_no,
                    line.product_id,
                    line.description,
                    line.quantity,
                    unit,
                    line.unit_price,
                    0,
                    line_amount(line.unit_price, line.quantity),
                    "exento",
                    flags,
                    note="Envase devuelto",
                    redeem=True,
                )
            )
            continue
        promo = promos.get(line.line_no)
        discount = line.discount + (promo.discount if promo else 0)
        note = str(flags.get("manual") or "") or (promo.label if promo else "")
        lines.append(
            LineView(
                line.line_no,
                line.product_id,
                line.description,
                line.quantity,
                unit,
                line.unit_price,
                discount,
                line_amount(line.unit_price, line.quantity) - discount,
                product.tax if product else "afecto",
                flags,
                note=note,
                additional_tax=product.additional_tax if product else None,
            )
        )
        container = info.get(product.container_product_id) if product and product.container_product_id else None
        if container is not None and flags.get("envase") == "cobrar" and unit == "unit":
            units = line.quantity // 1000
            lines.append(
                LineView(
                    line.line_no,
                    container.id,
                    container.short_name or container.name,
                    units * 1000,
                    "unit",
                    container.price,
                    0,
                    container.price * units,
                    "exento",
                    {},
                    note="Depósito por envase",
                    deposit=True,
                )
            )
    sold = [line for line in lines if line.sold]
    credit = sum(line.amount for line in lines if line.redeem)
    customer = await customer_view(session, cart.customer_id) if cart.customer_id else None
    tipo = cart.document_tipo if customer is not None and customer.can_invoice else 39
    additional = 0
    if tipo == 33 and sold:
        totals = invoice_totals(sold)
        # Deposits are neither IVA nor exempt sales on a factura (GrntDep); shown with the exempt amount here.
        total, net, iva = totals.total, totals.neto, totals.iva
        exempt, additional = totals.exento + totals.deposito, totals.taxes_total
    else:
        exempt = sum(line.amount for line in sold if line.tax == "exento")
        total = sum(line.amount for line in sold)
        net, iva = split_gross(total - exempt)
    return CartView(
        lane_id,
        cart.version,
        cart.cashier_id,
        tuple(lines),
        total,
        exempt,
        net,
        iva,
        credit,
        tipo,
        customer,
        additional,
    )


def invoice_totals(lines: Sequence[LineView]) -> Totals:
    """The factura's totals for these lines, computed as stamping will: net prices, IVA and ILA itemised, and the
    total what the lines cost at shelf prices (the same as a boleta's)."""
    return stamping.factura_totals([line.as_sold() for line in lines])


async def alcohol_refusal(
    session: AsyncSession, product_id: int, quantity: int, *, now: datetime
) -> AlcoholBlocked | None:
    """What adding this product now would be refused with, if it is alcohol out of hours (or on a ley seca date)."""
    product = await catalog.sellable(session, product_id)
    if product is None or not product.is_alcohol:
        return None
    reason = (await compliance.alcohol_rules(session)).blocked(now)
    return AlcoholBlocked(reason, product.id, quantity) if reason else None


async def add_product(
    session: AsyncSession,
    lane_id: int,
    product: Sellable,
    quantity: int,
    *,
    amount: int | None = None,
    now: datetime | None = None,
    alcohol_approver: User | None = None,
) -> Line:
    """Add a product; the same unit product scanned again adds to its line (the cashier sees "x3", not three rows).

    Alcohol outside its hours or on a ley seca date needs `alcohol_approver` (a supervisor), recorded on the line.
    """
    if not product.active:
        raise CartError(f"«{product.name}» está desactivado y no se puede vender.", "product_inactive")
    if quantity <= 0:
        raise CartError("La cantidad debe ser mayor que cero.", "invalid_quantity")
    override: dict[str, object] = {}
    if product.is_alcohol:
        reason = (await compliance.alcohol_rules(session)).blocked(now or datetime.now(UTC))
        if reason and alcohol_approver is None:
            raise AlcoholBlocked(reason, product.id, quantity)
        if reason and alcohol_approver is not None:
            override = {"alcohol_override": alcohol_approver.id}
            await audit.record(
                session,
                alcohol_approver.id,
                "sale.alcohol_override",
                "lane",
                lane_id,
                {"product_id": product.id, "reason": reason},
            )
    cart = await _cart(session, lane_id)
    if amount is not None and product.price > 0:
        # A price label (pesos): the weight is what that price buys.
        quantity = max(1, round(amount * 1000 / product.price))
    if product.unit == "unit" and amount is None and not override:
        for line in cart.lines:
            if (
                line.product_id == product.id
                and not line.discount
                and not line.flags.get("manual")
                and not line.flags.get("redeem")
                and line.unit_price == product.price
            ):
                line.quantity += quantity
                if line.flags.get("envase") == "trae" or line.flags.get("envase") == "cobrar":
                    line.flags = {**line.flags, "envase": "pendiente"}  # the new bottles need their own answer
                await _save_line(session, line)
                await _touch(session, cart)
                return line
    if len(cart.lines) >= MAX_LINES:
        raise CartError("La venta llegó al máximo de 1.000 líneas.", "too_many_lines")
    flags: dict[str, object] = {**override}
    if product.age_restricted:
        flags["age_restricted"] = True
    if product.container_product_id and product.unit == "unit":
        flags["envase"] = "pendiente"  # "¿trae envase?": the cashier answers before payment
    line = await _append(
        session,
        cart,
        Line(0, _next_line_no(cart), product.id, product.short_name or product.name, quantity, product.price, 0, flags),
    )
    await _touch(session, cart)
    return line


def _next_line_no(cart: _Cart) -> int:
    return max((line.line_no for line in cart.lines), default=0) + 1


def _line(cart: _Cart, line_no: int) -> Line:
    line = next((line for line in cart.lines if line.line_no == line_no), None)
    if line is None:
        raise CartError("Esa línea ya no está en la venta.", "line_not_found")
    return line


async def answer_envase(session: AsyncSession, lane_id: int, line_no: int, *, brings: bool) -> str:
    """¿Trae envase? Yes: an exchange, no deposit. No: the deposit is charged on its own line (Ley 21.368)."""
    cart = await _cart(session, lane_id)
    line = _line(cart, line_no)
    if "envase" not in line.flags:
        raise CartError("Ese producto no lleva envase retornable.", "no_container")
    line.flags = {**line.flags, "envase": "trae" if brings else "cobrar"}
    await _save_line(session, line)
    await _touch(session, cart)
    return "Envase recibido" if brings else "Depósito de envase cobrado"


async def answer_all_envases(session: AsyncSession, lane_id: int, *, brings: bool) -> None:
    cart = await _cart(session, lane_id)
    for line in cart.lines:
        if line.flags.get("envase") == "pendiente":
            line.flags = {**line.flags, "envase": "trae" if brings else "cobrar"}
            await _save_line(session, line)
    await _touch(session, cart)


async def redeem_container(session: AsyncSession, lane_id: int, container: Sellable, units: int) -> Line:
    """Empties brought back: their deposit is credited against this sale (and the bottles go back to stock)."""
    if units <= 0 or units > 99:
        raise CartError("Indique cuántos envases trae (1 a 99).", "invalid_quantity")
    is_container = await session.scalar(select(Product.id).where(Product.container_product_id == container.id).limit(1))
    if is_container is None:
        raise CartError(f"«{container.name}» no es un envase retornable.", "not_a_container")
    cart = await _cart(session, lane_id)
    line = await _append(
        session,
        cart,
        Line(
            0,
            _next_line_no(cart),
            container.id,
            container.short_name or container.name,
            units * 1000,
            container.price,
            0,
            {"redeem": True},
        ),
    )
    await _touch(session, cart)
    return line


async def adjust_line(
    session: AsyncSession,
    lane_id: int,
    line_no: int,
    *,
    approver: User,
    reason: str,
    percent: int | None = None,
    amount: int | None = None,
    new_price: int | None = None,
) -> str:
    """A discount (percent or pesos) or a new unit price on one line: a supervisor's decision, audit-logged."""
    if approver.role not in (Role.SUPERVISOR, Role.ADMINISTRADOR):
        raise CartError("Los descuentos y cambios de precio los autoriza un supervisor.", "approval_required")
    reason = reason.strip()
    if not reason:
        raise CartError("Escriba el motivo del descuento o del cambio de precio.", "reason_required")
    if sum(x is not None for x in (percent, amount, new_price)) != 1:
        raise CartError("Indique un porcentaje, un monto o un precio nuevo (solo uno).", "invalid_discount")
    cart = await _cart(session, lane_id)
    line = _line(cart, line_no)
    if line.flags.get("redeem"):
        raise CartError("Un envase devuelto no lleva descuento.", "invalid_discount")
    gross = line_amount(line.unit_price, line.quantity)
    before = {"unit_price": line.unit_price, "discount": line.discount}
    if new_price is not None:
        if new_price < 0:
            raise CartError("El precio no puede ser negativo.", "invalid_price")
        line.unit_price, line.discount = new_price, 0
        label = f"Precio autorizado {format_clp(new_price)}"
        action = "sale.price_override"
    else:
        if percent is not None:
            if not 1 <= percent <= 100:
                raise CartError("El porcentaje va de 1 a 100.", "invalid_discount")
            discount = round_half_up(Decimal(gross) * percent / 100)
            label = f"Dcto. {percent}% autorizado"
        else:
            discount = amount or 0
            label = f"Dcto. {format_clp(discount)} autorizado"
        if not 0 < discount <= gross:
            raise CartError(
                f"El descuento debe ser mayor que cero y no superar {format_clp(gross)}.", "invalid_discount"
            )
        line.discount = discount
        action = "sale.discount"
    line.flags = {**line.flags, "manual": label, "approved_by": approver.id, "reason": reason[:80]}
    await _save_line(session, line)
    await _touch(session, cart)
    await audit.record(
        session,
        approver.id,
        action,
        "lane",
        lane_id,
        {
            "line": line_no,
            "product_id": line.product_id,
            "before": before,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "reason": reason[:80],
            "cashier_id": cart.cashier_id,
        },
    )
    return label


async def set_customer(session: AsyncSession, lane_id: int, customer_id: int | None, *, factura: bool) -> str:
    """Who is buying (for fiado or a factura). A factura needs RUT, razón social, giro and address."""
    cart = await _cart(session, lane_id)
    if customer_id is None:
        cart.customer_id, cart.document_tipo = None, 39
        await _touch(session, cart)
        return "Venta sin cliente: boleta"
    found = await customer_view(session, customer_id)
    if found is None:
        raise CartError("El cliente no existe.", "not_found")
    if factura and not found.can_invoice:
        raise CartError(
            f"Para facturar a {found.name} faltan datos: RUT, razón social, giro, dirección y comuna.",
            "customer_incomplete",
        )
    cart.customer_id, cart.document_tipo = customer_id, 33 if factura else 39
    await _touch(session, cart)
    return f"{'Factura' if factura else 'Boleta'} a {found.name}"


TIMES = re.compile(r"^\s*(\d{1,3})\s*[*xX×]\s*(\S+)\s*$")


def split_times(text: str) -> tuple[int, str]:
    """ "6*7802820005509" (or 6x, 6×): six of that code, typed before the scan; a bare code is one."""
    found = TIMES.match(text)
    return (int(found.group(1)), found.group(2)) if found else (1, text.strip())


async def add_scan(
    session: AsyncSession, lane_id: int, code: str, *, now: datetime | None = None, times: int = 1
) -> Line:
    if not 1 <= times <= 999:
        raise CartError("La cantidad va de 1 a 999.", "invalid_quantity")
    match = await catalog.find_by_scan(session, code)
    if match is None:
        raise UnknownBarcode(f"El código {code.strip()} no está en el catálogo.")
    quantity = match.quantity if match.quantity is not None else 1000
    if match.product.unit == "kg" and match.quantity is None and match.amount is None:
        raise CartError(f"«{match.product.name}» se vende por peso: use la balanza.", "needs_weight")
    if times != 1:
        if match.product.unit != "unit" or match.quantity is not None or match.amount is not None:
            raise CartError("×N es para productos por unidad; lo pesado se pesa.", "invalid_quantity")
        quantity *= times
    return await add_product(session, lane_id, match.product, quantity, amount=match.amount, now=now)


async def set_quantity(
    session: AsyncSession, lane_id: int, line_no: int, quantity: int, *, now: datetime | None = None
) -> str:
    """A new quantity for a line. What was decided for the old quantity is not stretched over the new one: an
    authorised discount is dropped (the supervisor decides again), new bottles get their own «¿trae envase?», and
    more alcohol out of hours needs its own authorisation."""
    cart = await _cart(session, lane_id)
    line = next((line for line in cart.lines if line.line_no == line_no), None)
    if line is None:
        raise CartError("Esa línea ya no está en la venta.", "line_not_found")
    if quantity <= 0:
        cart.lines.remove(line)
        await (await raw(session)).run("DELETE FROM cart_lines WHERE id = ?", (line.id,))
        await _touch(session, cart)
        return ""
    if line.flags.get("redeem"):
        raise CartError("Para cambiar los envases devueltos, quite la línea y vuelva a recibirlos.", "redeem_fixed")
    message = ""
    if quantity > line.quantity:
        product = await session.get(Product, line.product_id)
        if product is not None and product.is_alcohol:
            reason = (await compliance.alcohol_rules(session)).blocked(now or datetime.now(UTC))
            if reason:
                raise AlcoholBlocked(reason, product.id, quantity - line.quantity)
        if line.flags.get("envase") in ("trae", "cobrar"):
            line.flags = {**line.flags, "envase": "pendiente"}
    if line.flags.get("manual"):
        product = await session.get(Product, line.product_id)
        line.discount = 0
        if product is not None:
            line.unit_price = product.price
        line.flags = {k: v for k, v in line.flags.items() if k not in ("manual", "approved_by", "reason")}
        message = "Cambió la cantidad: el descuento autorizado se quitó; pídalo de nuevo si corresponde."
    line.quantity = quantity
    await _save_line(session, line)
    await _touch(session, cart)
    return message


async def line_product(session: AsyncSession, lane_id: int, line_no: int) -> Product:
    cart = await _cart(session, lane_id)
    line = next((line for line in cart.lines if line.line_no == line_no), None)
    product = await session.get(Product, line.product_id) if line else None
    if product is None:
        raise CartError("Esa línea ya no está en la venta.", "line_not_found")
    return product


async def confirm_age(session: AsyncSession, lane_id: int, *, user_id: int | None) -> int:
    """The cashier saw the customer is 18 or older: every +18 line of this sale is confirmed (audit-logged)."""
    cart = await _cart(session, lane_id)
    confirmed = 0
    for line in cart.lines:
        if line.flags.get("age_restricted") and not line.flags.get("age_confirmed"):
            line.flags = {**line.flags, "age_confirmed": True}
            await _save_line(session, line)
            confirmed += 1
    if confirmed:
        await _touch(session, cart)
        await audit.record(session, user_id, "sale.age_confirmed", "lane", lane_id, {"lines": confirmed})
    return confirmed


async def remove_line(session: AsyncSession, lane_id: int, line_no: int) -> None:
    await set_quantity(session, lane_id, line_no, 0)


async def clear(session: AsyncSession, lane_id: int) -> None:
    """Void the uncommitted cart (no approval needed: nothing was sold)."""
    cart = await _cart(session, lane_id)
    cart.lines.clear()
    cart.customer_id, cart.document_tipo = None, 39
    await (await raw(session)).run("DELETE FROM cart_lines WHERE cart_id = ?", (cart.id,))
    await _touch(session, cart)


async def set_cashier(session: AsyncSession, lane_id: int, user_id: int | None) -> None:
    """A quick switch of cashier keeps the cart; the next sale is recorded under the new one."""
    cart = await _cart(session, lane_id)
    cart.cashier_id = user_id
    await _touch(session, cart)
