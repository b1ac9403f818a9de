"""Finding products: by name among 20.000 (accents and case ignored), by barcode, internal code and scale label."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from appliance.catalog import search
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.core.barcodes import VariableMeasureLayout, build_variable_measure, ean_check_digit
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.db.models import Product
from appliance.demo.scale import add_products

UPC_A = "036000291452"  # a real UPC-A; scanners in EAN mode read it as 0036000291452


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def big_shop(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    path = tmp_path_factory.mktemp("search") / "shop.sqlite"
    migrate.upgrade(path, path.parent / "backups")
    db = Database(path)
    async with db.write() as session:
        await add_products(session, 19_996)
        for fields in (
            {"code": "L1", "name": "Léche Descremada 1L", "price": "1090", "barcodes": "7802820005509"},
            {"code": "L2", "name": "Leche Entera Soprole 1 L", "price": "1150"},
            {"code": "U1", "name": "Sopa Importada", "price": "2990", "barcodes": UPC_A},
            {"code": "Q1", "name": "Queso Gauda Laminado", "price": "12990", "unit": "kg", "plu": "00123"},
        ):
            await catalog.create(session, parse_product(fields), user_id=None)
    yield db
    await db.dispose()


@pytest.mark.asyncio(loop_scope="module")
async def test_catalog_has_twenty_thousand_products(big_shop: Database) -> None:
    async with big_shop.read() as session:
        assert await session.scalar(select(func.count()).select_from(Product)) == 20_000


@pytest.mark.asyncio(loop_scope="module")
async def test_search_ignores_accents_and_case_and_ranks_the_closest_first(big_shop: Database) -> None:
    async with big_shop.read() as session:
        hits = await search.search(session, "leche descremada")
        assert hits[0].name == "Léche Descremada 1L"
        assert (await search.search(session, "LÉCHE DESCREMADA"))[0].code == "L1"
        # The last word is a prefix, as while typing.
        assert "L1" in [h.code for h in await search.search(session, "leche descre", limit=50)]
        assert all("leche" in h.name.lower().replace("é", "e") for h in hits)


@pytest.mark.asyncio(loop_scope="module")
async def test_search_of_nothing_or_symbols_finds_nothing(big_shop: Database) -> None:
    async with big_shop.read() as session:
        assert await search.search(session, "") == []
        assert await search.search(session, '"*()') == []
        assert await search.search(session, "xyzzyplugh") == []


@pytest.mark.asyncio(loop_scope="module")
async def test_find_by_any_barcode_form_internal_code_and_scale_label(big_shop: Database) -> None:
    layouts = [VariableMeasureLayout("20", 5, "grams"), VariableMeasureLayout("25", 5, "pesos")]
    async with big_shop.read() as session:
        match = await catalog.find_by_scan(session, "7802820005509", layouts)
        assert match is not None and match.product.code == "L1"
        for form in (UPC_A, "0" + UPC_A):
            match = await catalog.find_by_scan(session, form, layouts)
            assert match is not None and match.product.code == "U1", form
        match = await catalog.find_by_scan(session, "L2", layouts)
        assert match is not None and match.product.code == "L2"
        weight = await catalog.find_by_scan(session, build_variable_measure(layouts[0], "123", 1250), layouts)
        assert weight is not None and weight.product.code == "Q1" and weight.quantity == 1250
        price = await catalog.find_by_scan(session, build_variable_measure(layouts[1], "00123", 3490), layouts)
        assert price is not None and price.product.code == "Q1" and price.amount == 3490
        unknown = "780000000001"
        assert await catalog.find_by_scan(session, unknown + ean_check_digit(unknown), layouts) is None
