"""The demo shop's counter extras: quick keys for what sells without a barcode, and three running promotions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog import categories
from appliance.catalog import promotions as promotion_store
from appliance.db.models import Product, Promotion, PromotionTarget


async def seed(session: AsyncSession, today: date) -> None:
    # Quick keys: the bread and the fruit and vegetables, which the cashier sells by name at the counter.
    for path in ("Panadería", "Frutas y verduras"):
        root = await categories.find_by_path(session, path)
        if root is None:
            continue
        children = await promotion_store.descendants(session, {root})
        await session.execute(update(Product).where(Product.category_id.in_(children)).values(quick_key=True))
    yogurts = list(
        await session.scalars(select(Product.id).where(Product.name.like("Yogur Batido%"), Product.price == 490))
    )
    sodas = list(await session.scalars(select(Product.id).where(Product.name.like("Bilz%"))))
    cheeses = await categories.find_by_path(session, "Lácteos > Quesos")
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    promos = [
        (Promotion(name="Yogur batido 4 x $1.600", kind="pack", quantity=4, price=1_600), yogurts, None),
        (
            Promotion(name="Quesos 15% este mes", kind="percent", percent=15, starts_on=today, ends_on=month_end),
            [],
            cheeses,
        ),
        (Promotion(name="Bilz lleve 3 pague 2", kind="nxm", quantity=3, pay=2), sodas, None),
    ]
    for promo, product_ids, category_id in promos:
        promo.targets = [PromotionTarget(product_id=pid) for pid in product_ids]
        if category_id is not None:
            promo.targets.append(PromotionTarget(category_id=category_id))
        if promo.targets:
            session.add(promo)
