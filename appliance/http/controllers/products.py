"""Catalog screens: the product list with search and filters, and the create/edit form."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog import categories, search
from appliance.catalog import service as catalog
from appliance.catalog.draft import FormErrors, parse_product
from appliance.core.quantity import format_quantity
from appliance.core.text import is_digits
from appliance.db.models import ADDITIONAL_TAX_CODES, Product, ProductBarcode, StockLevel, StockMove
from appliance.http.inputs import as_id, as_int, as_text
from appliance.http.pages import db, flash, form_data, is_fragment, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.stock import service as stock

PAGE_SIZE = 50


def _descendants(nodes: list[categories.CategoryNode], root: int) -> list[int]:
    wanted, changed = {root}, True
    while changed:
        changed = False
        for node in nodes:
            if node.parent_id in wanted and node.id not in wanted:
                wanted.add(node.id)
                changed = True
    return sorted(wanted)


async def _rows(
    session: AsyncSession, q: str, category: int | None, status: str, page_no: int, nodes: list[categories.CategoryNode]
) -> tuple[list[dict[str, Any]], bool]:
    cat_ids = _descendants(nodes, category) if category else None
    offset = (page_no - 1) * PAGE_SIZE
    if q.strip():
        match = await catalog.find_by_scan(session, q) if is_digits(q.strip()) else None
        if match is not None:
            ids = [match.product.id]
        else:
            hits = await search.search(
                session,
                q,
                limit=PAGE_SIZE + 1,
                offset=offset,
                category_ids=cat_ids,
                include_inactive=status != "activos",
            )
            ids = [h.id for h in hits if status != "inactivos" or not h.active]
    else:
        stmt = select(Product.id).order_by(Product.name).limit(PAGE_SIZE + 1).offset(offset)
        if cat_ids is not None:
            stmt = stmt.where(Product.category_id.in_(cat_ids))
        if status in ("activos", "inactivos"):
            stmt = stmt.where(Product.active.is_(status == "activos"))
        ids = list(await session.scalars(stmt))
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    if not ids:
        return [], False
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    totals = dict(
        (
            await session.execute(
                select(StockLevel.product_id, func.sum(StockLevel.quantity))
                .where(StockLevel.product_id.in_(ids))
                .group_by(StockLevel.product_id)
            )
        ).all()
    )
    first_barcode = dict(
        (
            await session.execute(
                select(ProductBarcode.product_id, func.min(ProductBarcode.code))
                .where(ProductBarcode.product_id.in_(ids))
                .group_by(ProductBarcode.product_id)
            )
        ).all()
    )
    paths = {n.id: n.path for n in nodes}
    rows = []
    for pid in ids:
        p = products[pid]
        total = int(totals.get(pid) or 0)
        rows.append(
            {
                "p": p,
                "stock": total,
                "barcode": first_barcode.get(pid, (p.plu and f"PLU {p.plu}") or ""),
                "category": paths.get(p.category_id or 0, ""),
                "low": total < p.min_stock,
            }
        )
    return rows, more


@get("/productos", opt=allow(BACKOFFICE_VIEW), name="products")
async def product_list(
    request: Request[Any, Any, Any],
    q: FromQuery[str] = "",
    categoria: FromQuery[str] = "",  # the filter form sends an empty value for «Todas»
    estado: FromQuery[str] = "activos",
    pagina: FromQuery[str] = "",
) -> Template:
    q = as_text(q, "q", max_len=100, label="búsqueda")
    page_no = as_int(pagina, "pagina", minimum=1, maximum=100_000, label="página") or 1
    category_id = as_id(categoria, "categoria", label="categoría")
    if estado not in ("activos", "inactivos", "todos"):
        estado = "activos"
    async with db(request).read() as session:
        nodes = await categories.tree(session)
        rows, more = await _rows(session, q, category_id, estado, page_no, nodes)
    context: dict[str, Any] = {
        "rows": rows,
        "q": q,
        "categoria": category_id,
        "estado": estado,
        "pagina": page_no,
        "more": more,
        "nodes": nodes,
    }
    if is_fragment(request):
        return page(request, "products/_rows.html", **context)
    return page(request, "products/list.html", **context)


async def _form_context(session: AsyncSession) -> dict[str, Any]:
    containers = await session.execute(
        select(Product.code, Product.name)
        .where(Product.active)
        .where(Product.name.ilike("envase%"))
        .order_by(Product.name)
    )
    return {"nodes": await categories.tree(session), "ila_codes": ADDITIONAL_TAX_CODES, "containers": containers.all()}


def _values_from(product: Product, container_code: str = "") -> dict[str, str]:
    return {
        "code": product.code,
        "name": product.name,
        "short_name": product.short_name,
        "category_id": str(product.category_id or ""),
        "unit": product.unit,
        "price": str(product.price),
        "tax": product.tax,
        "additional_tax": str(product.additional_tax or ""),
        "is_alcohol": "on" if product.is_alcohol else "",
        "is_tobacco": "on" if product.is_tobacco else "",
        "age_restricted": "on" if product.age_restricted else "",
        "quick_key": "on" if product.quick_key else "",
        "plu": product.plu or "",
        "min_stock": format_quantity(product.min_stock, weighed=product.weighed) if product.min_stock else "",
        "barcodes": "\n".join(b.code for b in product.barcodes),
        "active": "on" if product.active else "",
        "container_code": container_code,
    }


def _checkboxes(data: dict[str, str]) -> dict[str, str]:
    # An unticked checkbox sends nothing; the parser wants an explicit no.
    for key in ("is_alcohol", "is_tobacco", "age_restricted", "active", "quick_key"):
        data[key] = "si" if data.get(key) == "on" else "no"
    return data


@get("/productos/nuevo", opt=allow(ADMIN), name="product_new")
async def product_new(request: Request[Any, Any, Any]) -> Template:
    async with db(request).read() as session:
        ctx = await _form_context(session)
    return page(
        request,
        "products/form.html",
        product=None,
        values={"unit": "unit", "tax": "afecto", "active": "on"},
        errors={},
        history=[],
        levels={},
        moves=[],
        **ctx,
    )


@post("/productos/nuevo", opt=allow(ADMIN))
async def product_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    user = request.user
    try:
        draft = parse_product(_checkboxes(dict(data)))
        async with db(request).write() as session:
            product = await catalog.create(session, draft, user_id=user.id)
    except FormErrors as exc:
        async with db(request).read() as session:
            ctx = await _form_context(session)
        return page(
            request,
            "products/form.html",
            status_code=400,
            product=None,
            values=data,
            errors=exc.fields,
            history=[],
            levels={},
            moves=[],
            **ctx,
        )
    flash(request, f"Producto «{product.name}» creado.")
    return redirect(f"/productos/{product.id}")


async def _product_page(
    request: Request[Any, Any, Any],
    product_id: int,
    values: dict[str, str] | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    async with db(request).read() as session:
        product = await catalog.get(session, product_id)
        container_code = ""
        if product.container_product_id:
            container = await session.get(Product, product.container_product_id)
            container_code = container.code if container else ""
        ctx = await _form_context(session)
        history = await catalog.price_history(session, product_id)
        levels = await stock.levels(session, product_id)
        moves = list(
            await session.scalars(
                select(StockMove).where(StockMove.product_id == product_id).order_by(StockMove.id.desc()).limit(15)
            )
        )
    return page(
        request,
        "products/form.html",
        status_code=status_code,
        product=product,
        values=values or _values_from(product, container_code),
        errors=errors,
        history=history,
        levels=levels,
        moves=moves,
        **ctx,
    )


@get("/productos/{product_id:int}", opt=allow(BACKOFFICE_VIEW), name="product_edit")
async def product_edit(request: Request[Any, Any, Any], product_id: FromPath[int]) -> Template:
    return await _product_page(request, product_id, None, {})


@post("/productos/{product_id:int}", opt=allow(ADMIN))
async def product_update(request: Request[Any, Any, Any], product_id: FromPath[int]) -> Template | Redirect:
    data = await form_data(request)
    try:
        draft = parse_product(_checkboxes(dict(data)))
        async with db(request).write() as session:
            product = await catalog.update(
                session, product_id, draft, user_id=request.user.id, reason=data.get("price_reason", "")
            )
    except FormErrors as exc:
        return await _product_page(request, product_id, data, exc.fields, status_code=400)
    flash(request, f"Cambios de «{product.name}» guardados.")
    return redirect(f"/productos/{product_id}")


@post("/productos/{product_id:int}/estado", opt=allow(ADMIN))
async def product_toggle(request: Request[Any, Any, Any], product_id: FromPath[int]) -> Redirect:
    data = await form_data(request)
    active = data.get("active") == "1"
    async with db(request).write() as session:
        product = await catalog.set_active(session, product_id, active, user_id=request.user.id)
    flash(request, f"«{product.name}» {'reactivado' if active else 'desactivado'}.")
    return redirect(f"/productos/{product_id}")


@get("/api/productos", opt=allow(BACKOFFICE_VIEW), name="api_products")
async def api_search(
    request: Request[Any, Any, Any], q: FromQuery[str] = "", limit: FromQuery[str] = ""
) -> dict[str, Any]:
    q = as_text(q, "q", max_len=100, label="búsqueda")
    size = as_int(limit, "limit", minimum=1, maximum=100, label="límite") or 20
    async with db(request).read() as session:
        hits = await search.search(session, q, limit=size)
    return {
        "query": q,
        "results": [{"id": h.id, "code": h.code, "name": h.name, "price": h.price, "unit": h.unit} for h in hits],
    }


ROUTES = [product_list, product_new, product_create, product_edit, product_update, product_toggle, api_search]
