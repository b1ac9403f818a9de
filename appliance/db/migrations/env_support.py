"""What autogenerate compares: everything mapped, except the FTS5 index that 0001 creates by hand."""

from __future__ import annotations


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith("product_search"))
