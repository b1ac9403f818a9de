"""Plain SQL beside the ORM (db/raw.py), on a real SQLite file: it sees what the ORM has not flushed yet, what one
transaction loaded is forgotten when it ends, its timestamps read back through the ORM unchanged, and it runs on
both the inline connection and aiosqlite's threaded one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.company import service as company
from appliance.db.engine import Database
from appliance.db.models import Cart, Lane, Product, Setting, StockMove, StockReason
from appliance.db.raw import raw, stored, stored_datetime, tx_state
from appliance.sales import cart
from appliance.stock import service as stock
from tests.support import migrated_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = migrated_database(tmp_path)
    async with database.write() as session:
        session.add(Lane(code="caja-1", name="Caja 1"))
        await catalog.create(
            session,
            parse_product({"code": "A", "name": "Arroz 1 kg", "price": "1290", "barcodes": "7801234567894"}),
            user_id=None,
        )
    yield database
    await database.dispose()


async def _lane(db: Database) -> int:
    async with db.read() as session:
        lane_id = await session.scalar(select(Lane.id))
        assert lane_id is not None
        return lane_id


async def test_plain_sql_sees_what_the_orm_has_not_flushed(db: Database) -> None:
    async with db.write() as session:
        await catalog.create(
            session,
            parse_product({"code": "B", "name": "Bebida 3 L", "price": "2490", "barcodes": "7809999999998"}),
            user_id=None,
        )
        product = await catalog.by_code(session, "B")
        assert product is not None
        product.price = 2590  # changed in the session, not flushed
        match = await catalog.find_by_scan(session, "7809999999998")
        assert match is not None and match.product.price == 2590


async def test_what_a_transaction_loaded_goes_with_it(db: Database) -> None:
    lane_id = await _lane(db)
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            await cart.add_scan(session, lane_id, "7801234567894")
            assert tx_state(session)  # the cart, held for this transaction's view
            raise RuntimeError("the sale fails after the scan")
    async with db.write() as session:
        assert not tx_state(session)  # a new transaction: nothing remembered from the rolled-back one
        view = await cart.view(session, lane_id)
        assert view.count == 0  # the scan rolled back with its transaction
        await cart.add_scan(session, lane_id, "7801234567894")
        await cart.add_scan(session, lane_id, "7801234567894")
    async with db.read() as session:  # the threaded reader sees the same cart
        view = await cart.view(session, lane_id)
        assert [(line.description, line.quantity, line.amount) for line in view.lines] == [("Arroz 1 kg", 2000, 2580)]
        stored_cart = await session.scalar(select(Cart).where(Cart.lane_id == lane_id))
        assert stored_cart is not None and stored_cart.version == view.version == 2


async def test_timestamps_written_plainly_read_back_through_the_orm(db: Database) -> None:
    moment = datetime(2026, 11, 22, 14, 5, 9, 120, tzinfo=UTC)
    assert stored(moment) == "2026-11-22 14:05:09.000120"
    assert stored_datetime(stored(moment)) == moment
    with pytest.raises(ValueError):
        stored(datetime(2026, 11, 22, 14, 5))  # a naive time would be stored as if it were UTC
    async with db.write() as session:
        product = await catalog.by_code(session, "A")
        assert product is not None
        product.avg_cost = Decimal("812.3456")
        before = datetime.now(UTC)
        (result,) = await stock.record_moves(
            session,
            [stock.Move(product.id, -1000, StockReason.SALE)],
            location="sala",
            user_id=None,
            ref_type="sale",
            ref_id="1",
        )
        assert result.level == -1000 and result.negative
    async with db.read() as session:
        move = await session.get(StockMove, result.move_id)
        assert move is not None
        assert before <= move.at <= datetime.now(UTC)  # tz-aware, UTC, as every ORM-written row
        assert move.unit_cost == Decimal("812.3456")  # the cost as the ORM flushed it a moment before


async def test_plain_sql_on_the_threaded_connection(db: Database) -> None:
    async with db.read() as session:  # aiosqlite's worker thread, not the inline connection
        sql = await raw(session)
        assert await sql.one("SELECT name FROM products WHERE code = ?", ("A",)) == ("Arroz 1 kg",)
        assert await sql.all("SELECT code FROM products ORDER BY code") == [("A",)]
        match = await catalog.find_by_scan(session, "7801234567894")
        assert match is not None and match.product.name == "Arroz 1 kg"
        product = await session.scalar(select(Product).where(Product.code == "A"))
        assert product is not None and catalog.Sellable.of(product) == match.product


async def test_settings_read_plainly_as_the_orm_stored_them(db: Database) -> None:
    stored_values: dict[str, object] = {"n": 5, "flag": True, "rules": {"from": "10:00", "dry_dates": []}, "t": "x"}
    async with db.write() as session:
        session.add_all(Setting(key=key, value=value) for key, value in stored_values.items())
    async with db.read() as session:
        for key, value in stored_values.items():
            assert await company.setting(session, key) == value  # a bare number is kept as a number by SQLite
        assert await company.setting(session, "missing") is None
