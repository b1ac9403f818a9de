"""The lane's cart, kept on the box: lines come from scans, searches and the scale; every change bumps a version
so the lane's tablets (and a second tablet on the same lane) refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from appliance.audit import log as audit
from appliance.catalog import service as catalog
from appliance.core.errors import DomainError
from appliance.core.money import split_gross
from appliance.core.quantity import line_amount
from appliance.db.models import Cart, CartLine, Product

MAX_LINES = 1000  # a boleta holds up to 1.000 Detalle lines


class CartError(DomainError):
    default_code = "cart_error"


class UnknownBarcode(CartError):
    default_code = "unknown_barcode"


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


@dataclass(frozen=True)
class CartView:
    lane_id: int
    version: int
    cashier_id: int | None
    lines: tuple[LineView, ...]
    total: int
    exempt: int
    net: int
    iva: int

    @property
    def count(self) -> int:
        return len(self.lines)


async def _load(session: AsyncSession, lane_id: int) -> Cart | None:
    # One query for the cart and its lines (a joined load; selectin costs a second round trip on every scan).
    result = await session.scalars(select(Cart).where(Cart.lane_id == lane_id).options(joinedload(Cart.lines)))
    return result.unique().one_or_none()


async def _cart(session: AsyncSession, lane_id: int) -> Cart:
    cart = await _load(session, lane_id)
    if cart is None:
        cart = Cart(lane_id=lane_id, version=0, lines=[])
        session.add(cart)
        await session.flush()
    return cart


async def view(session: AsyncSession, lane_id: int) -> CartView:
    cart = await _load(session, lane_id)
    if cart is None:
        return CartView(lane_id, 0, None, (), 0, 0, 0, 0)
    ids = [line.product_id for line in cart.lines]
    rows = (
        (await session.execute(select(Product.id, Product.unit, Product.tax).where(Product.id.in_(ids)))).all()
        if ids
        else []
    )
    units = {row.id: row.unit for row in rows}
    taxes = {row.id: row.tax for row in rows}
    lines = tuple(
        LineView(
            line.line_no,
            line.product_id,
            line.description,
            line.quantity,
            units.get(line.product_id, "unit"),
            line.unit_price,
            line.discount,
            line_amount(line.unit_price, line.quantity) - line.discount,
            taxes.get(line.product_id, "afecto"),
            dict(line.flags or {}),
        )
        for line in cart.lines
    )
    exempt = sum(line.amount for line in lines if line.tax == "exento")
    total = sum(line.amount for line in lines)
    net, iva = split_gross(total - exempt)
    return CartView(lane_id, cart.version, cart.cashier_id, lines, total, exempt, net, iva)


def _touch(cart: Cart) -> None:
    cart.version += 1


async def add_product(
    session: AsyncSession, lane_id: int, product: Product, quantity: int, *, amount: int | None = None
) -> CartLine:
    """Add a product; the same unit product scanned again adds to its line (the cashier sees "x3", not three rows)."""
    if not product.active:
        raise CartError(f"«{product.name}» está desactivado y no se puede vender.", "product_inactive")
    if quantity <= 0:
        raise CartError("La cantidad debe ser mayor que cero.", "invalid_quantity")
    cart = await _cart(session, lane_id)
    if amount is not None and product.price > 0:
        # A price label (pesos): the weight is what that price buys.
        quantity = max(1, round(amount * 1000 / product.price))
    if product.unit == "unit" and amount is None:
        for line in cart.lines:
            if line.product_id == product.id and not line.discount and line.unit_price == product.price:
                line.quantity += quantity
                _touch(cart)
                return line
    if len(cart.lines) >= MAX_LINES:
        raise CartError("La venta llegó al máximo de 1.000 líneas.", "too_many_lines")
    line = CartLine(
        line_no=(max((line.line_no for line in cart.lines), default=0) + 1),
        product_id=product.id,
        description=product.short_name or product.name,
        quantity=quantity,
        unit_price=product.price,
        discount=0,
        flags={"age_restricted": True} if product.age_restricted else {},
    )
    cart.lines.append(line)
    _touch(cart)
    return line


async def add_scan(session: AsyncSession, lane_id: int, code: str) -> CartLine:
    match = await catalog.find_by_scan(session, code)
    if match is None:
        raise UnknownBarcode(f"El código {code.strip()} no está en el catálogo.")
    quantity = match.quantity if match.quantity is not None else 1000
    if match.product.unit == "kg" and match.quantity is None and match.amount is None:
        raise CartError(f"«{match.product.name}» se vende por peso: use la balanza.", "needs_weight")
    return await add_product(session, lane_id, match.product, quantity, amount=match.amount)


async def set_quantity(session: AsyncSession, lane_id: int, line_no: int, quantity: int) -> None:
    cart = await _cart(session, lane_id)
    line = next((line for line in cart.lines if line.line_no == line_no), None)
    if line is None:
        raise CartError("Esa línea ya no está en la venta.", "line_not_found")
    if quantity <= 0:
        cart.lines.remove(line)
    else:
        line.quantity = quantity
    _touch(cart)


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
            confirmed += 1
    if confirmed:
        _touch(cart)
        await audit.record(session, user_id, "sale.age_confirmed", "lane", lane_id, {"lines": confirmed})
    return confirmed


async def remove_line(session: AsyncSession, lane_id: int, line_no: int) -> None:
    await set_quantity(session, lane_id, line_no, 0)


async def clear(session: AsyncSession, lane_id: int) -> None:
    """Void the uncommitted cart (no approval needed: nothing was sold)."""
    cart = await _cart(session, lane_id)
    cart.lines.clear()
    cart.customer_id = None
    _touch(cart)


async def set_cashier(session: AsyncSession, lane_id: int, user_id: int | None) -> None:
    """A quick switch of cashier keeps the cart; the next sale is recorded under the new one."""
    cart = await _cart(session, lane_id)
    cart.cashier_id = user_id
    _touch(cart)
