"""Back office: the promotions the counter applies by itself (pack price, percentage for a period, lleve N pague M)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appliance.catalog import categories
from appliance.catalog import promotions as store
from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.db.models import Product, Promotion
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow


def _values(promo: Promotion | None, codes: dict[int, str]) -> dict[str, str]:
    if promo is None:
        return {"kind": "pack", "active": "on"}
    return {
        "name": promo.name,
        "kind": promo.kind,
        "quantity": str(promo.quantity or ""),
        "price": str(promo.price or ""),
        "percent": str(promo.percent or ""),
        "pay": str(promo.pay or ""),
        "starts_on": promo.starts_on.isoformat() if promo.starts_on else "",
        "ends_on": promo.ends_on.isoformat() if promo.ends_on else "",
        "active": "on" if promo.active else "",
        "products": "\n".join(codes[t.product_id] for t in promo.targets if t.product_id in codes),
    }


async def _form(
    request: Request[Any, Any, Any],
    promo_id: int | None,
    *,
    values: dict[str, str] | None = None,
    chosen: list[int] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    async with db(request).read() as session:
        tree = await categories.tree(session)
        promo = None
        if promo_id is not None:
            promo = await session.scalar(
                select(Promotion).where(Promotion.id == promo_id).options(selectinload(Promotion.targets))
            )
            if promo is None:
                raise DomainError("La promoción no existe.", "not_found")
        ids = [t.product_id for t in promo.targets if t.product_id] if promo else []
        codes = dict((await session.execute(select(Product.id, Product.code).where(Product.id.in_(ids)))).all())
    return page(
        request,
        "promotions/form.html",
        status_code=status_code,
        promo=promo,
        values=values or _values(promo, codes),
        chosen=set(chosen if chosen is not None else [t.category_id for t in promo.targets] if promo else []),
        errors=errors or {},
        tree=tree,
        kinds=store.KIND_LABELS,
    )


@get("/promociones", opt=allow(BACKOFFICE_VIEW), name="promotions")
async def promotion_list(request: Request[Any, Any, Any]) -> Template:
    today = datetime.now(UTC).astimezone(CHILE_TZ).date()
    async with db(request).read() as session:
        rows = list(
            await session.scalars(
                select(Promotion).options(selectinload(Promotion.targets)).order_by(Promotion.id.desc())
            )
        )
        rules = {rule.id: rule for rule in await store.active_rules(session, today)}
    return page(request, "promotions/list.html", rows=rows, rules=rules, today=today, kinds=store.KIND_LABELS)


@get("/promociones/nueva", opt=allow(ADMIN), name="promotion_new")
async def promotion_new(request: Request[Any, Any, Any]) -> Template:
    return await _form(request, None)


@get("/promociones/{promo_id:int}", opt=allow(BACKOFFICE_VIEW))
async def promotion_edit(request: Request[Any, Any, Any], promo_id: FromPath[int]) -> Template:
    return await _form(request, promo_id)


async def _save(request: Request[Any, Any, Any], promo_id: int | None) -> Template | Redirect:
    data = await form_data(request)
    chosen = data.many("categories")
    draft, errors = store.parse_form(data, chosen)
    try:
        async with db(request).write() as session:
            promo = await store.save(session, draft, errors, promo_id=promo_id, user_id=request.user.id)
    except store.PromotionInvalid as exc:
        return await _form(
            request,
            promo_id,
            values=data,
            chosen=[int(c) for c in chosen if re.fullmatch(r"[0-9]{1,18}", c)],
            errors=exc.errors,
            status_code=400,
        )
    flash(request, f"Promoción «{promo.name}» guardada.")
    return redirect("/promociones")


@post("/promociones/nueva", opt=allow(ADMIN))
async def promotion_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _save(request, None)


@post("/promociones/{promo_id:int}", opt=allow(ADMIN))
async def promotion_update(request: Request[Any, Any, Any], promo_id: FromPath[int]) -> Template | Redirect:
    return await _save(request, promo_id)


ROUTES = [promotion_list, promotion_new, promotion_edit, promotion_create, promotion_update]
