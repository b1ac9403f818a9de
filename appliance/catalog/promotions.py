"""Promotions in the database: reading the rules the counter applies, and creating/editing them from a form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.core.money import InvalidAmount, parse_clp
from appliance.core.text import is_digits
from appliance.db.models import Category, Product, Promotion, PromotionTarget
from appliance.sales.promotions import Rule

KIND_LABELS = {"pack": "Precio por pack (3 × $2.000)", "percent": "Porcentaje de descuento", "nxm": "Lleve N pague M"}


class PromotionInvalid(DomainError):
    default_code = "invalid_promotion"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Revise los campos marcados.")
        self.errors = errors


async def descendants(session: AsyncSession, roots: set[int]) -> set[int]:
    parents = dict((await session.execute(select(Category.id, Category.parent_id))).all())
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for child, parent in parents.items():
            if parent in found and child not in found:
                found.add(child)
                changed = True
    return found


async def active_rules(session: AsyncSession, day: date) -> list[Rule]:
    """The promotions valid on `day`, each with the product ids it covers (categories expanded)."""
    promotions = list(
        await session.scalars(
            select(Promotion)
            .where(Promotion.active)
            .where((Promotion.starts_on.is_(None)) | (Promotion.starts_on <= day))
            .where((Promotion.ends_on.is_(None)) | (Promotion.ends_on >= day))
            .options(selectinload(Promotion.targets))
            .order_by(Promotion.id)
        )
    )
    rules = []
    for promo in promotions:
        products = {t.product_id for t in promo.targets if t.product_id is not None}
        categories = {t.category_id for t in promo.targets if t.category_id is not None}
        if categories:
            tree = await descendants(session, categories)
            products |= set(await session.scalars(select(Product.id).where(Product.category_id.in_(tree))))
        rules.append(
            Rule(
                id=promo.id,
                name=promo.name,
                kind=promo.kind,
                product_ids=frozenset(products),
                quantity=promo.quantity,
                price=promo.price,
                percent=promo.percent,
                pay=promo.pay,
                starts_on=promo.starts_on,
                ends_on=promo.ends_on,
            )
        )
    return rules


@dataclass
class PromotionDraft:
    name: str = ""
    kind: str = "pack"
    quantity: int | None = None
    price: int | None = None
    percent: int | None = None
    pay: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True
    product_codes: list[str] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)


def _int(text: str, key: str, label: str, errors: dict[str, str], low: int, high: int) -> int | None:
    text = text.strip()
    if not is_digits(text) or not low <= int(text) <= high:
        errors[key] = f"{label}: un número entero de {low} a {high}"
        return None
    return int(text)


def _date(text: str, key: str, errors: dict[str, str]) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[key] = "fecha inválida (use AAAA-MM-DD)"
        return None


def parse_form(data: dict[str, str], category_ids: list[str]) -> tuple[PromotionDraft, dict[str, str]]:
    errors: dict[str, str] = {}
    draft = PromotionDraft(
        name=data.get("name", "").strip()[:40],
        kind=data.get("kind", ""),
        active=bool(data.get("active")),
        starts_on=_date(data.get("starts_on", ""), "starts_on", errors),
        ends_on=_date(data.get("ends_on", ""), "ends_on", errors),
        product_codes=[c.strip() for c in data.get("products", "").replace(",", "\n").splitlines() if c.strip()],
        category_ids=[int(c) for c in category_ids if is_digits(c)],
    )
    if not draft.name:
        errors["name"] = "escriba un nombre (se imprime en la boleta)"
    if draft.kind == "pack":
        draft.quantity = _int(data.get("quantity", ""), "quantity", "unidades del pack", errors, 2, 99)
        try:
            draft.price = parse_clp(data.get("price", ""))
            if draft.price <= 0:
                errors["price"] = "el precio del pack debe ser mayor que cero"
        except InvalidAmount as exc:
            errors["price"] = exc.message
    elif draft.kind == "percent":
        draft.percent = _int(data.get("percent", ""), "percent", "porcentaje", errors, 1, 90)
    elif draft.kind == "nxm":
        draft.quantity = _int(data.get("quantity", ""), "quantity", "lleve", errors, 2, 99)
        draft.pay = _int(data.get("pay", ""), "pay", "pague", errors, 1, 98)
        if draft.quantity and draft.pay and draft.pay >= draft.quantity:
            errors["pay"] = "«pague» debe ser menor que «lleve»"
    else:
        errors["kind"] = "elija el tipo de promoción"
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        errors["ends_on"] = "termina antes de empezar"
    if not draft.product_codes and not draft.category_ids:
        errors["products"] = "indique al menos un producto o una categoría"
    return draft, errors


async def save(
    session: AsyncSession, draft: PromotionDraft, errors: dict[str, str], *, promo_id: int | None, user_id: int
) -> Promotion:
    """Create or replace a promotion; refuses (writing nothing) with every field's problem at once."""
    products: list[int] = []
    for code in draft.product_codes:
        product_id = await session.scalar(select(Product.id).where(Product.code == code))
        if product_id is None:
            from appliance.db.models import ProductBarcode

            product_id = await session.scalar(select(ProductBarcode.product_id).where(ProductBarcode.code == code))
        if product_id is None:
            errors["products"] = f"el producto {code} no existe"
            break
        products.append(product_id)
    known = set(await session.scalars(select(Category.id).where(Category.id.in_(draft.category_ids))))
    if set(draft.category_ids) - known:
        errors["categories"] = "una categoría elegida ya no existe"
    if errors:
        raise PromotionInvalid(errors)
    if promo_id is None:
        promo = Promotion(targets=[])
        session.add(promo)
    else:
        found = await session.scalar(
            select(Promotion).where(Promotion.id == promo_id).options(selectinload(Promotion.targets))
        )
        if found is None:
            raise DomainError("La promoción no existe.", "not_found")
        promo = found
        promo.targets.clear()
    promo.name, promo.kind, promo.active = draft.name, draft.kind, draft.active
    promo.quantity, promo.price, promo.percent, promo.pay = draft.quantity, draft.price, draft.percent, draft.pay
    promo.starts_on, promo.ends_on = draft.starts_on, draft.ends_on
    promo.targets.extend(PromotionTarget(product_id=p) for p in dict.fromkeys(products))
    promo.targets.extend(PromotionTarget(category_id=c) for c in dict.fromkeys(draft.category_ids))
    await session.flush()
    await audit.record(
        session,
        user_id,
        "promotion.created" if promo_id is None else "promotion.updated",
        "promotion",
        promo.id,
        {"name": promo.name, "kind": promo.kind, "products": len(products), "categories": len(draft.category_ids)},
    )
    return promo
