"""A catalog of any size for benchmarks and load tests: the demo's products again as other packs and lots.

Names stay realistic ("Leche Entera Colun 1 L Pack x6 (lote 12)") so the search index sees the same word
distribution a big shop's would; every barcode is a valid, unique EAN-13.
"""

from __future__ import annotations

import itertools

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog import categories
from appliance.core.barcodes import ean_check_digit
from appliance.db.models import Product, ProductBarcode
from appliance.demo.catalog import generate_catalog

PACKS = ("", " Pack x2", " Pack x3", " Pack x6", " Oferta", " Formato Ahorro", " Importado", " Edición Especial")


async def add_products(session: AsyncSession, count: int) -> int:
    """Add `count` products (with one barcode each) to whatever the shop has. Returns how many were added."""
    if count <= 0:
        return 0
    base = generate_catalog().products
    start = int(await session.scalar(select(func.count()).select_from(Product)) or 0)
    paths: dict[tuple[str, ...], int] = {}
    rows, codes = [], []
    variants = itertools.product(range(10_000), PACKS)
    for n, ((lot, pack), spec) in enumerate(zip(variants, itertools.cycle(base), strict=False)):
        if n >= count:
            break
        if spec.category not in paths:
            paths[spec.category] = await categories.ensure_path(session, " > ".join(spec.category))
        code = f"S{start + n:07d}"
        suffix = f"{pack} (lote {lot})" if lot else pack
        rows.append(
            {
                "code": code,
                "name": f"{spec.name}{suffix}"[:80],
                "short_name": spec.short_name,
                "category_id": paths[spec.category],
                "unit": spec.unit,
                "price": spec.price + 10 * (lot % 7),
                "tax": spec.tax,
                "additional_tax": spec.additional_tax,
                "is_alcohol": spec.is_alcohol,
                "is_tobacco": spec.is_tobacco,
                "age_restricted": spec.age_restricted,
                "min_stock": spec.min_stock,
                "avg_cost": spec.unit_cost,
                "active": True,
            }
        )
        codes.append(code)
    await session.execute(insert(Product), rows)
    ids = dict((await session.execute(select(Product.code, Product.id).where(Product.code.in_(codes)))).all())
    # Chilean-prefixed codes from a range the demo catalog does not use (checked, since both are generated).
    taken = set(await session.scalars(select(ProductBarcode.code)))
    barcodes, serial = [], start
    for code in codes:
        while True:
            body = f"78099{serial:07d}"
            serial += 1
            barcode = body + ean_check_digit(body)
            if barcode not in taken:
                break
        barcodes.append({"product_id": ids[code], "code": barcode})
    await session.execute(insert(ProductBarcode), barcodes)
    return len(rows)
