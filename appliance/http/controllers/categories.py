"""Category screens: the tree with product counts, creating, renaming or moving, and deleting empty categories."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog import categories
from appliance.db.models import Category
from appliance.http.inputs import Inputs, InvalidInput
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow

# The service's messages about the parent (a missing one, or a loop) belong under the parent select.
_PARENT_HINTS = ("superior", "sí misma")


def _parent_id(data: Inputs, errors: dict[str, str]) -> int | None:
    try:
        return data.id("parent_id")
    except InvalidInput:
        errors["parent_id"] = "La categoría superior no es válida."
        return None


def _field_of(exc: categories.CategoryError) -> str:
    return "parent_id" if any(hint in exc.message for hint in _PARENT_HINTS) else "name"


def _subtree(nodes: list[categories.CategoryNode], root: int) -> set[int]:
    """The category and everything under it: the places it cannot be moved into."""
    inside, changed = {root}, True
    while changed:
        changed = False
        for node in nodes:
            if node.parent_id in inside and node.id not in inside:
                inside.add(node.id)
                changed = True
    return inside


async def _list_page(
    request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Template:
    async with db(request).read() as session:
        nodes = await categories.tree(session)
    return page(request, "categories/list.html", status_code=status_code, nodes=nodes, values=values, errors=errors)


@get("/categorias", opt=allow(BACKOFFICE_VIEW), name="categories")
async def category_list(request: Request[Any, Any, Any]) -> Template:
    return await _list_page(request, {}, {})


@post("/categorias", opt=allow(ADMIN))
async def category_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    errors: dict[str, str] = {}
    parent_id = _parent_id(data, errors)
    if errors:
        return await _list_page(request, data, errors, status_code=400)
    try:
        async with db(request).write() as session:
            category = await categories.create(session, data.text("name", label="nombre"), parent_id)
    except categories.CategoryError as exc:
        return await _list_page(request, data, {_field_of(exc): exc.message}, status_code=400)
    flash(request, f"Categoría «{category.name}» creada.")
    return redirect("/categorias")


async def _get_category(session: AsyncSession, category_id: int) -> Category:
    category = await session.get(Category, category_id)
    if category is None:
        raise NotFoundException()
    return category


async def _edit_page(
    request: Request[Any, Any, Any],
    category_id: int,
    values: dict[str, str] | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    async with db(request).read() as session:
        category = await _get_category(session, category_id)
        nodes = await categories.tree(session)
    node = next(n for n in nodes if n.id == category_id)
    blocked = _subtree(nodes, category_id)
    return page(
        request,
        "categories/form.html",
        status_code=status_code,
        category=category,
        node=node,
        children=[n for n in nodes if n.parent_id == category_id],
        parents=[n for n in nodes if n.id not in blocked],
        values=values or {"name": category.name, "parent_id": str(category.parent_id or "")},
        errors=errors,
    )


@get("/categorias/{category_id:int}", opt=allow(BACKOFFICE_VIEW), name="category_edit")
async def category_edit(request: Request[Any, Any, Any], category_id: FromPath[int]) -> Template:
    return await _edit_page(request, category_id, None, {})


@post("/categorias/{category_id:int}", opt=allow(ADMIN))
async def category_update(request: Request[Any, Any, Any], category_id: FromPath[int]) -> Template | Redirect:
    data = await form_data(request)
    errors: dict[str, str] = {}
    parent_id = _parent_id(data, errors)
    if errors:
        return await _edit_page(request, category_id, data, errors, status_code=400)
    try:
        async with db(request).write() as session:
            await _get_category(session, category_id)
            category = await categories.update(session, category_id, data.text("name", label="nombre"), parent_id)
    except categories.CategoryError as exc:
        return await _edit_page(request, category_id, data, {_field_of(exc): exc.message}, status_code=400)
    flash(request, f"Categoría «{category.name}» guardada.")
    return redirect("/categorias")


@post("/categorias/{category_id:int}/eliminar", opt=allow(ADMIN))
async def category_delete(request: Request[Any, Any, Any], category_id: FromPath[int]) -> Template | Redirect:
    try:
        async with db(request).write() as session:
            name = (await _get_category(session, category_id)).name
            await categories.delete(session, category_id)
    except categories.CategoryError as exc:
        return await _edit_page(request, category_id, None, {"delete": exc.message}, status_code=400)
    flash(request, f"Categoría «{name}» eliminada.")
    return redirect("/categorias")


ROUTES = [category_list, category_create, category_edit, category_update, category_delete]
