"""Products: create, change (keeping the price history), deactivate, and find them by any code a scanner reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from appliance.audit import log as audit
from appliance.catalog import categories
from appliance.catalog.draft import FormErrors, ProductDraft
from appliance.core.barcodes import VariableMeasureLayout, lookup_keys, parse_variable_measure
from appliance.core.errors import DomainError
from appliance.core.money import format_clp
from appliance.core.text import is_digits
from appliance.db.models import BarcodeLayout, Category, PriceChange, Product, ProductBarcode
from appliance.db.raw import Row, marks, raw


class ProductNotFound(DomainError):
    default_code = "product_not_found"


async def get(session: AsyncSession, product_id: int) -> Product:
    product = await session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.barcodes), selectinload(Product.category))
    )
    if product is None:
        raise ProductNotFound(f"El producto {product_id} no existe.", "not_found")
    return product


async def by_code(session: AsyncSession, code: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.code == code).options(selectinload(Product.barcodes)))


async def _check_draft(
    session: AsyncSession, draft: ProductDraft, product_id: int | None
) -> tuple[int | None, int | None]:
    """Uniqueness and references; returns (category id, container product id)."""
    errors: dict[str, str] = {}
    other = await session.scalar(select(Product.id).where(Product.code == draft.code))
    if other is not None and other != product_id:
        errors["code"] = f"el código interno {draft.code} ya es de otro producto"
    if draft.barcodes:
        rows = await session.execute(
            select(ProductBarcode.code, Product.code)
            .join(Product, Product.id == ProductBarcode.product_id)
            .where(ProductBarcode.code.in_(draft.barcodes), ProductBarcode.product_id != (product_id or 0))
        )
        taken = rows.all()
        if taken:
            errors["barcodes"] = "; ".join(f"el código {bc} ya es del producto {pc}" for bc, pc in taken)
    if draft.plu:
        owner = await session.scalar(select(Product.id).where(Product.plu == draft.plu))
        if owner is not None and owner != product_id:
            errors["plu"] = f"el PLU {draft.plu} ya es de otro producto"
        if draft.unit != "kg":
            errors["plu"] = "el PLU de balanza es solo para productos a granel (KG)"
    category_id = draft.category_id
    if category_id is not None and await session.get(Category, category_id) is None:
        errors["category_id"] = "la categoría no existe"
    elif category_id is None and draft.category_path:
        category_id = await categories.find_by_path(session, draft.category_path)
        if category_id is None:
            errors["category"] = f"la categoría «{draft.category_path}» no existe"
    container_id = None
    if draft.container_code:
        container = await by_code(session, draft.container_code)
        if container is None:
            errors["container_code"] = f"el envase {draft.container_code} no existe"
        elif container.id == product_id:
            errors["container_code"] = "un producto no puede ser su propio envase"
        else:
            container_id = container.id
    if errors:
        raise FormErrors(errors)
    return category_id, container_id


def _apply(product: Product, draft: ProductDraft, category_id: int | None, container_id: int | None) -> None:
    product.code = draft.code
    product.name = draft.name
    product.short_name = draft.short_name
    product.category_id = category_id
    product.unit = draft.unit
    product.tax = draft.tax
    product.additional_tax = draft.additional_tax
    product.is_alcohol = draft.is_alcohol
    product.is_tobacco = draft.is_tobacco
    product.age_restricted = draft.age_restricted
    product.quick_key = draft.quick_key
    product.container_product_id = container_id
    product.plu = draft.plu
    product.min_stock = draft.min_stock
    product.active = draft.active


async def create(session: AsyncSession, draft: ProductDraft, *, user_id: int | None) -> Product:
    category_id, container_id = await _check_draft(session, draft, None)
    product = Product(price=draft.price, barcodes=[ProductBarcode(code=c) for c in draft.barcodes])
    _apply(product, draft, category_id, container_id)
    session.add(product)
    await session.flush()
    session.add(
        PriceChange(
            product_id=product.id, old_price=None, new_price=draft.price, user_id=user_id, reason="precio inicial"
        )
    )
    await audit.record(session, user_id, "product.create", "product", product.id, {"code": product.code})
    return product


async def update(
    session: AsyncSession, product_id: int, draft: ProductDraft, *, user_id: int | None, reason: str = ""
) -> Product:
    product = await get(session, product_id)
    category_id, container_id = await _check_draft(session, draft, product_id)
    _apply(product, draft, category_id, container_id)
    await set_barcodes(session, product, draft.barcodes)
    if draft.price != product.price:
        await change_price(session, product, draft.price, user_id=user_id, reason=reason)
    await session.flush()
    return product


async def set_barcodes(session: AsyncSession, product: Product, codes: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(codes))
    current = {bc.code: bc for bc in product.barcodes}
    for code, barcode in current.items():
        if code not in wanted:
            product.barcodes.remove(barcode)
    await session.flush()  # free removed codes before re-adding them elsewhere
    for code in wanted:
        if code not in current:
            product.barcodes.append(ProductBarcode(code=code))


async def change_price(
    session: AsyncSession, product: Product, new_price: int, *, user_id: int | None, reason: str = ""
) -> None:
    if new_price < 0:
        raise FormErrors({"price": "el precio no puede ser negativo"})
    old = product.price
    product.price = new_price
    session.add(
        PriceChange(product_id=product.id, old_price=old, new_price=new_price, user_id=user_id, reason=reason[:120])
    )
    await audit.record(
        session,
        user_id,
        "product.price",
        "product",
        product.id,
        {"code": product.code, "from": old, "to": new_price, "text": f"{format_clp(old)} → {format_clp(new_price)}"},
    )


async def set_active(session: AsyncSession, product_id: int, active: bool, *, user_id: int | None) -> Product:
    product = await get(session, product_id)
    product.active = active
    await audit.record(
        session,
        user_id,
        "product.activate" if active else "product.deactivate",
        "product",
        product.id,
        {"code": product.code},
    )
    return product


async def price_history(session: AsyncSession, product_id: int) -> list[PriceChange]:
    rows = await session.scalars(
        select(PriceChange).where(PriceChange.product_id == product_id).order_by(PriceChange.id.desc())
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class Sellable:
    """What the counter needs to know of a product to sell it, read with plain SQL (see db/raw.py)."""

    id: int
    code: str
    name: str
    short_name: str
    unit: str
    price: int
    tax: str
    additional_tax: int | None
    is_alcohol: bool
    age_restricted: bool
    container_product_id: int | None
    active: bool

    @classmethod
    def of(cls, product: Product) -> Sellable:
        return cls(
            product.id,
            product.code,
            product.name,
            product.short_name,
            product.unit,
            product.price,
            product.tax,
            product.additional_tax,
            product.is_alcohol,
            product.age_restricted,
            product.container_product_id,
            product.active,
        )


_SELLABLE = (
    "SELECT p.id, p.code, p.name, p.short_name, p.unit, p.price, p.tax, p.additional_tax, p.is_alcohol,"
    " p.age_restricted, p.container_product_id, p.active FROM products p"
)


def _sellable(row: Row | None) -> Sellable | None:
    if row is None:
        return None
    return Sellable(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        bool(row[8]),
        bool(row[9]),
        row[10],
        bool(row[11]),
    )


async def sellable(session: AsyncSession, product_id: int) -> Sellable | None:
    sql = await raw(session)
    return _sellable(await sql.one(f"{_SELLABLE} WHERE p.id = ?", (product_id,)))


@dataclass(frozen=True)
class ScanMatch:
    """What a scanned code means: the product, and for scale labels the weight (milli-kg) or the price."""

    product: Sellable
    quantity: int | None = None  # milli-units from a weight label
    amount: int | None = None  # pesos from a price label


async def layouts(session: AsyncSession) -> list[VariableMeasureLayout]:
    rows = await session.scalars(select(BarcodeLayout).where(BarcodeLayout.active))
    return [
        VariableMeasureLayout(
            prefix=r.prefix,
            plu_length=r.plu_length,
            value_kind=r.value_kind,  # type: ignore[arg-type]
            name=r.name,
        )
        for r in rows
    ]


async def find_by_scan(
    session: AsyncSession, code: str, scale_layouts: Sequence[VariableMeasureLayout] | None = None
) -> ScanMatch | None:
    """A product by any of its barcodes (EAN-13/8, UPC-A in either form), its internal code, or a scale label."""
    code = code.strip()
    if not code:
        return None
    keys = lookup_keys(code) if is_digits(code) else [code]
    sql = await raw(session)
    found = _sellable(
        await sql.one(
            f"{_SELLABLE} JOIN product_barcodes b ON b.product_id = p.id WHERE b.code IN ({marks(len(keys))}) LIMIT 1",
            keys,
        )
    )
    if found is not None:
        return ScanMatch(found)
    if scale_layouts is None:
        scale_layouts = await layouts(session)
    label = parse_variable_measure(code, scale_layouts) if is_digits(code) else None
    if label is not None:
        plu_forms = sorted({label.plu, label.plu.lstrip("0") or "0"})
        found = _sellable(await sql.one(f"{_SELLABLE} WHERE p.plu IN ({marks(len(plu_forms))}) LIMIT 1", plu_forms))
        return ScanMatch(found, quantity=label.grams, amount=label.pesos) if found is not None else None
    found = _sellable(await sql.one(f"{_SELLABLE} WHERE p.code = ?", (code,)))
    return ScanMatch(found) if found is not None else None
