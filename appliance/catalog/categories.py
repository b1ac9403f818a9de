"""Categories form a tree (Lácteos › Leches). Paths are how people and import files name them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.errors import DomainError
from appliance.core.text import fold
from appliance.db.models import Category, Product

PATH_SEPARATOR = " > "


class CategoryError(DomainError):
    default_code = "invalid_category"


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    parent_id: int | None
    depth: int
    path: str
    product_count: int


async def tree(session: AsyncSession) -> list[CategoryNode]:
    """All categories in display order (each parent followed by its children), with their full paths."""
    rows = (await session.execute(select(Category).order_by(Category.sort_order, Category.name))).scalars().all()
    counts = dict(
        (await session.execute(select(Product.category_id, func.count()).group_by(Product.category_id))).all()
    )
    children: dict[int | None, list[Category]] = {}
    for cat in rows:
        children.setdefault(cat.parent_id, []).append(cat)
    out: list[CategoryNode] = []

    def walk(parent: int | None, depth: int, prefix: str) -> None:
        for cat in children.get(parent, []):
            path = f"{prefix}{PATH_SEPARATOR}{cat.name}" if prefix else cat.name
            out.append(CategoryNode(cat.id, cat.name, cat.parent_id, depth, path, int(counts.get(cat.id, 0))))
            walk(cat.id, depth + 1, path)

    walk(None, 0, "")
    return out


def split_path(path: str) -> list[str]:
    parts = [p.strip() for p in path.replace("›", ">").replace("/", ">").split(">")]
    return [p for p in parts if p]


async def find_by_path(session: AsyncSession, path: str) -> int | None:
    """The category a path names, matched without regard to accents or case; None if any step is missing."""
    nodes = await tree(session)
    wanted = [fold(p) for p in split_path(path)]
    for node in nodes:
        if [fold(p) for p in split_path(node.path)] == wanted:
            return node.id
    return None


async def ensure_path(session: AsyncSession, path: str) -> int:
    """The category for a path, creating the missing steps (the demo seeder and imports that allow it)."""
    parent: int | None = None
    for name in split_path(path):
        found = await session.scalar(select(Category.id).where(Category.name == name, _child_of(parent)))
        if found is None:
            cat = Category(name=name, parent_id=parent)
            session.add(cat)
            await session.flush()
            found = cat.id
        parent = found
    if parent is None:
        raise CategoryError("La categoría no tiene nombre.")
    return parent


async def create(session: AsyncSession, name: str, parent_id: int | None) -> Category:
    name = name.strip()
    if not name:
        raise CategoryError("El nombre de la categoría es obligatorio.")
    if len(name) > 60:
        raise CategoryError("El nombre de la categoría admite hasta 60 caracteres.")
    if parent_id is not None and await session.get(Category, parent_id) is None:
        raise CategoryError("La categoría superior no existe.")
    await _check_unique(session, name, parent_id, None)
    cat = Category(name=name, parent_id=parent_id)
    session.add(cat)
    await session.flush()
    return cat


async def update(session: AsyncSession, category_id: int, name: str, parent_id: int | None) -> Category:
    cat = await session.get(Category, category_id)
    if cat is None:
        raise CategoryError("La categoría no existe.", "not_found")
    name = name.strip()
    if not name:
        raise CategoryError("El nombre de la categoría es obligatorio.")
    if len(name) > 60:
        raise CategoryError("El nombre de la categoría admite hasta 60 caracteres.")
    if parent_id is not None and await session.get(Category, parent_id) is None:
        raise CategoryError("La categoría superior no existe.")
    # Walk up from the new parent: meeting ourselves would make a loop.
    step = parent_id
    while step is not None:
        if step == category_id:
            raise CategoryError("Una categoría no puede quedar dentro de sí misma.")
        step = await session.scalar(select(Category.parent_id).where(Category.id == step))
    await _check_unique(session, name, parent_id, category_id)
    cat.name, cat.parent_id = name, parent_id
    await session.flush()
    return cat


async def delete(session: AsyncSession, category_id: int) -> None:
    cat = await session.get(Category, category_id)
    if cat is None:
        raise CategoryError("La categoría no existe.", "not_found")
    if await session.scalar(select(func.count()).where(Category.parent_id == category_id)):
        raise CategoryError("La categoría tiene subcategorías: muévalas o elimínelas primero.")
    if await session.scalar(select(func.count()).where(Product.category_id == category_id)):
        raise CategoryError("La categoría tiene productos: cámbielos de categoría primero.")
    await session.delete(cat)


async def _check_unique(session: AsyncSession, name: str, parent_id: int | None, exclude_id: int | None) -> None:
    siblings = await session.scalars(select(Category).where(_child_of(parent_id)))
    for sibling in siblings:
        if sibling.id != exclude_id and fold(sibling.name) == fold(name):
            raise CategoryError(f"Ya existe la categoría «{sibling.name}» en ese nivel.", "duplicate")


def _child_of(parent_id: int | None) -> ColumnElement[bool]:
    return Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
