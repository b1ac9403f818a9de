"""Importing products from a spreadsheet: a preview that changes nothing, then a confirm that writes all or nothing.

Rows are matched to existing products by internal code, so importing the same file twice updates instead of
duplicating. Every row is checked against the database *and* against the other rows of the file (two rows with the
same barcode are an error even if the database has neither).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from appliance.catalog import categories
from appliance.catalog import service as catalog
from appliance.catalog.draft import FormErrors, ProductDraft, parse_product
from appliance.core.errors import DomainError
from appliance.db.models import Product, ProductBarcode
from appliance.imports.reader import SheetRow

FIELD_LABELS = {
    "code": "código",
    "name": "nombre",
    "short_name": "nombre corto",
    "category": "categoría",
    "price": "precio",
    "unit": "unidad",
    "tax": "IVA",
    "additional_tax": "ILA",
    "barcodes": "códigos de barras",
    "plu": "PLU",
    "min_stock": "stock mínimo",
    "is_alcohol": "alcohol",
    "is_tobacco": "tabaco",
    "age_restricted": "mayores de 18",
    "container_code": "envase",
    "active": "activo",
    "quick_key": "tecla rápida",
}
COMPARED = (
    "name",
    "short_name",
    "unit",
    "price",
    "tax",
    "additional_tax",
    "is_alcohol",
    "is_tobacco",
    "age_restricted",
    "plu",
    "min_stock",
    "active",
    "quick_key",
)


class ImportHasErrors(DomainError):
    default_code = "import_has_errors"


# Rows shown in the preview; the counts above them cover the whole file.
SHOWN_ROWS = 300


@dataclass
class RowResult:
    line: int
    code: str
    name: str
    action: str = "crear"  # crear | actualizar | sin cambios | error
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    draft: ProductDraft | None = None


@dataclass
class Preview:
    rows: list[RowResult]
    new_categories: list[str]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.count("error") == 0

    def shown(self, limit: int = SHOWN_ROWS) -> list[RowResult]:
        """The rows worth reading on screen, errors first: a page of 50.000 rows would take the box seconds to draw
        and the browser longer to show."""
        errors = [r for r in self.rows if r.errors]
        rest = [r for r in self.rows if not r.errors and r.action != "sin cambios"]
        return (errors + rest)[:limit]


def _defaults(values: dict[str, str]) -> dict[str, str]:
    # Columns the file doesn't have keep the product's current value on update; these are only for parsing.
    return {"active": "si", **values}


async def preview(session: AsyncSession, rows: Sequence[SheetRow], *, create_categories: bool = False) -> Preview:
    results: list[RowResult] = []
    seen_codes: dict[str, int] = {}
    seen_barcodes: dict[str, int] = {}
    seen_plus: dict[str, int] = {}
    file_codes = {r.values.get("code", "").strip() for r in rows}
    new_categories: list[str] = []
    for row in rows:
        result = RowResult(row.line, row.values.get("code", ""), row.values.get("name", ""))
        results.append(result)
        try:
            draft = parse_product(_defaults(row.values))
        except FormErrors as exc:
            result.action = "error"
            result.errors = [f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in exc.fields.items()]
            continue
        result.draft = draft
        errors = result.errors
        if draft.code in seen_codes:
            errors.append(f"código: {draft.code} repetido (también en la fila {seen_codes[draft.code]})")
        seen_codes.setdefault(draft.code, row.line)
        for code in draft.barcodes:
            if code in seen_barcodes:
                errors.append(f"códigos de barras: {code} repetido (también en la fila {seen_barcodes[code]})")
            seen_barcodes.setdefault(code, row.line)
        if draft.plu:
            if draft.plu in seen_plus:
                errors.append(f"PLU: {draft.plu} repetido (también en la fila {seen_plus[draft.plu]})")
            seen_plus.setdefault(draft.plu, row.line)
            if draft.unit != "kg":
                errors.append("PLU: el PLU de balanza es solo para productos a granel (KG)")
        existing = await session.scalar(
            select(Product).where(Product.code == draft.code).options(selectinload(Product.barcodes))
        )
        errors += await _conflicts(session, draft, existing.id if existing else 0, file_codes)
        if draft.category_path and await categories.find_by_path(session, draft.category_path) is None:
            if not create_categories:
                errors.append(f"categoría: «{draft.category_path}» no existe (créela o marque «crear categorías»)")
            elif draft.category_path not in new_categories:
                new_categories.append(draft.category_path)
        if errors:
            result.action = "error"
        elif existing is not None:
            result.changes = _changes(existing, draft, row.values)
            result.action = "actualizar" if result.changes else "sin cambios"
    return Preview(results, new_categories)


async def _conflicts(session: AsyncSession, draft: ProductDraft, own_id: int, file_codes: set[str]) -> list[str]:
    """What in the database already claims this row's barcodes, PLU or container. Codes owned by another row of
    the same file are left to the confirm step, which re-checks everything inside its transaction."""
    errors = []
    if draft.barcodes:
        taken = await session.execute(
            select(ProductBarcode.code, Product.code)
            .join(Product)
            .where(ProductBarcode.code.in_(draft.barcodes), Product.id != own_id)
        )
        errors += [
            f"códigos de barras: {bc} ya es del producto {owner}"
            for bc, owner in taken.all()
            if owner not in file_codes
        ]
    if draft.plu:
        owner = await session.scalar(select(Product.code).where(Product.plu == draft.plu, Product.id != own_id))
        if owner is not None and owner not in file_codes:
            errors.append(f"PLU: {draft.plu} ya es del producto {owner}")
    container = draft.container_code
    known = not container or container in file_codes
    if not known and await session.scalar(select(Product.id).where(Product.code == container)) is None:
        errors.append(f"envase: el producto {container} no existe")
    return errors


def _changes(product: Product, draft: ProductDraft, given: dict[str, str]) -> list[str]:
    out = []
    for name in COMPARED:
        if name not in given and name != "short_name":
            continue
        if name == "short_name" and "short_name" not in given:
            continue
        old, new = getattr(product, name), getattr(draft, name)
        if old != new:
            out.append(f"{FIELD_LABELS[name]}: {old} → {new}")
    if "barcodes" in given and sorted(b.code for b in product.barcodes) != sorted(draft.barcodes):
        out.append("códigos de barras")
    return out


def _merge(product: Product, draft: ProductDraft, given: dict[str, str], container_code: str) -> ProductDraft:
    """An update only touches the columns the file has; the rest keep the product's current values."""
    keep = {
        "short_name": product.short_name,
        "unit": product.unit,
        "tax": product.tax,
        "additional_tax": product.additional_tax,
        "is_alcohol": product.is_alcohol,
        "is_tobacco": product.is_tobacco,
        "age_restricted": product.age_restricted,
        "plu": product.plu,
        "min_stock": product.min_stock,
        "active": product.active,
        "quick_key": product.quick_key,
        "container_code": container_code,
        "barcodes": [b.code for b in product.barcodes],
    }
    for name, value in keep.items():
        if name not in given:
            setattr(draft, name, value)
    if "category" not in given:
        draft.category_id = product.category_id
        draft.category_path = ""
    return draft


async def apply(
    session: AsyncSession, rows: Sequence[SheetRow], *, user_id: int | None, create_categories: bool = False
) -> Preview:
    """Write the whole file or nothing: any error raises and the caller's transaction rolls back."""
    result = await preview(session, rows, create_categories=create_categories)
    if not result.ok:
        raise ImportHasErrors(f"El archivo tiene {result.count('error')} filas con errores; no se importó nada.")
    for path in result.new_categories:
        await categories.ensure_path(session, path)
    by_line = {r.line: r for r in rows}
    # Containers first, so drinks can point at a container created by the same file.
    ordered = sorted(result.rows, key=lambda r: 0 if r.draft and not r.draft.container_code else 1)
    try:
        for row_result in ordered:
            draft = row_result.draft
            if draft is None or row_result.action == "sin cambios":
                continue
            given = by_line[row_result.line].values
            existing = await catalog.by_code(session, draft.code)
            if existing is None:
                await catalog.create(session, draft, user_id=user_id)
            else:
                container_code = ""
                if existing.container_product_id:
                    container = await session.get(Product, existing.container_product_id)
                    container_code = container.code if container else ""
                await catalog.update(
                    session,
                    existing.id,
                    _merge(existing, draft, given, container_code),
                    user_id=user_id,
                    reason="importación",
                )
    except FormErrors as exc:
        detail = "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in exc.fields.items())
        raise ImportHasErrors(f"Fila {row_result.line}: {detail}. No se importó nada.") from exc
    return result
