"""Product search by name: SQLite FTS5, ignoring accents and case, ranked, prefix-matching as the cashier types.

"leche descre" finds "Léche Descremada 1L": both sides are folded (the index by unicode61 remove_diacritics, the
query by core.text.fold), every word must match, and the last word is a prefix so results appear while typing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.text import fold

_TOKEN = re.compile(r"[0-9a-z]+")
# Name matches weigh most, then the receipt name, then the internal code.
_RANK = "bm25(product_search, 10.0, 5.0, 2.0)"


@dataclass(frozen=True)
class SearchHit:
    id: int
    code: str
    name: str
    price: int
    unit: str
    active: bool
    category_id: int | None


def fts_query(query: str) -> str | None:
    """The FTS5 MATCH expression for what a person typed, or None when nothing searchable remains."""
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    return " ".join(f'"{token}"*' for token in tokens)


async def search(
    session: AsyncSession,
    query: str,
    *,
    limit: int = 25,
    offset: int = 0,
    category_ids: Sequence[int] | None = None,
    include_inactive: bool = False,
) -> list[SearchHit]:
    match = fts_query(query)
    if match is None:
        return []
    where = ["product_search MATCH :match"]
    params: dict[str, object] = {"match": match, "limit": limit, "offset": offset}
    if not include_inactive:
        where.append("p.active = 1")
    if category_ids is not None:
        if not category_ids:
            return []
        where.append(f"p.category_id IN ({','.join(str(int(c)) for c in category_ids)})")
    sql = (
        "SELECT p.id, p.code, p.name, p.price, p.unit, p.active, p.category_id FROM product_search "
        "JOIN products p ON p.id = product_search.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY {_RANK}, p.name LIMIT :limit OFFSET :offset"
    )
    rows = await session.execute(text(sql), params)
    return [SearchHit(int(r[0]), r[1], r[2], int(r[3]), r[4], bool(r[5]), r[6]) for r in rows.all()]
