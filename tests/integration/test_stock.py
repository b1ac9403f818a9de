"""The stock ledger on a real SQLite file: levels equal the sum of moves, the weighted average cost, negatives."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Product, StockMove, StockReason
from appliance.stock import service as stock
from tests.support import migrated_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = migrated_database(tmp_path)
    async with database.write() as session:
        for code in ("A", "B"):
            await catalog.create(
                session, parse_product({"code": code, "name": f"Producto {code}", "price": "1000"}), user_id=None
            )
    yield database
    await database.dispose()


async def _id(db: Database, code: str) -> int:
    async with db.read() as session:
        product = await catalog.by_code(session, code)
        assert product is not None
        return product.id


async def test_weighted_average_cost_on_receipts(db: Database) -> None:
    pid = await _id(db, "A")
    async with db.write() as session:
        await stock.record_move(
            session, product_id=pid, location="bodega", quantity=10_000, reason=StockReason.PURCHASE, unit_cost=1000
        )
        await stock.record_move(
            session, product_id=pid, location="bodega", quantity=10_000, reason=StockReason.PURCHASE, unit_cost=1300
        )
    async with db.read() as session:
        product = await session.get(Product, pid)
        assert product is not None and product.avg_cost == Decimal("1150.0000")
    # A sale moves stock at the average cost and does not change it.
    async with db.write() as session:
        result = await stock.record_move(
            session, product_id=pid, location="bodega", quantity=-3_000, reason=StockReason.SALE
        )
        assert result.level == 17_000 and not result.negative
    async with db.read() as session:
        product = await session.get(Product, pid)
        assert product is not None and product.avg_cost == Decimal("1150.0000")
        move = await session.scalar(select(StockMove).order_by(StockMove.id.desc()).limit(1))
        assert move is not None and move.unit_cost == Decimal("1150.0000")


def test_weighted_average_with_fractions_and_negative_stock() -> None:
    assert stock.weighted_average(3_000, Decimal("1000"), 7_000, Decimal("1001")) == Decimal("1000.7000")
    # Selling what was not on record leaves the receipt's cost as the average.
    assert stock.weighted_average(-5_000, Decimal("900"), 10_000, Decimal("1200")) == Decimal("1200")


async def test_negative_stock_is_allowed_and_flagged(db: Database) -> None:
    pid = await _id(db, "B")
    async with db.write() as session:
        result = await stock.record_move(
            session, product_id=pid, location="sala", quantity=-2_000, reason=StockReason.SALE
        )
    assert result.negative and result.level == -2_000
    async with db.read() as session:
        assert await stock.negative_levels(session) == [(pid, "sala", -2_000)]


async def test_levels_never_drift_from_the_sum_of_moves(db: Database) -> None:
    ids = [await _id(db, "A"), await _id(db, "B")]
    rng = random.Random(3)
    reasons = [StockReason.PURCHASE, StockReason.SALE, StockReason.MERMA, StockReason.COUNT, StockReason.ROBO]

    async def lane(n: int) -> None:
        for _ in range(n):
            async with db.write() as session:
                qty = rng.randint(1, 5_000) * rng.choice([1, -1])
                await stock.record_move(
                    session,
                    product_id=rng.choice(ids),
                    location=rng.choice(["sala", "bodega"]),
                    quantity=qty,
                    reason=rng.choice(reasons),
                    unit_cost=rng.randint(500, 900),
                )

    await asyncio.gather(*(lane(40) for _ in range(6)))
    async with db.write() as session:
        await stock.transfer(session, product_id=ids[0], source="bodega", dest="sala", quantity=1_500)
    async with db.read() as session:
        assert await stock.drift(session) == []
        moves = await session.scalar(select(func.count()).select_from(StockMove))
        assert moves == 6 * 40 + 2


async def test_failed_transaction_leaves_no_move(db: Database) -> None:
    pid = await _id(db, "A")
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            await stock.record_move(
                session, product_id=pid, location="sala", quantity=1_000, reason=StockReason.PURCHASE, unit_cost=10
            )
            raise RuntimeError("power cut before commit")
    async with db.read() as session:
        assert await stock.levels(session, pid) == {"sala": 0, "bodega": 0}
        assert await session.scalar(select(func.count()).select_from(StockMove)) == 0


async def test_bad_moves_are_refused(db: Database) -> None:
    pid = await _id(db, "A")
    async with db.write() as session:
        with pytest.raises(stock.InvalidMove):
            await stock.record_move(session, product_id=pid, location="sala", quantity=0, reason=StockReason.COUNT)
        with pytest.raises(stock.UnknownLocation):
            await stock.record_move(session, product_id=pid, location="patio", quantity=1, reason=StockReason.COUNT)
        with pytest.raises(stock.InvalidMove):
            await stock.transfer(session, product_id=pid, source="sala", dest="sala", quantity=1)


async def test_a_sales_moves_at_once_match_moves_one_by_one(db: Database) -> None:
    a, b = await _id(db, "A"), await _id(db, "B")
    async with db.write() as session:
        await stock.record_move(
            session, product_id=a, location="sala", quantity=5_000, reason=StockReason.PURCHASE, unit_cost=700
        )
    async with db.write() as session:
        moves = [
            stock.Move(a, -2_000, StockReason.SALE),
            stock.Move(b, -1_000, StockReason.SALE),
            stock.Move(a, -4_000, StockReason.SALE),  # the same product on a second line (another price)
            stock.Move(b, 3_000, StockReason.RETURN),
        ]
        results = await stock.record_moves(session, moves, location="sala", user_id=None, ref_type="sale", ref_id="77")
    # Each move sees the level after itself, in order: A 5→3→-1, B 0→-1→2.
    assert [(r.level, r.negative) for r in results] == [(3_000, False), (-1_000, True), (-1_000, True), (2_000, False)]
    async with db.read() as session:
        rows = list(await session.scalars(select(StockMove).where(StockMove.ref_id == "77").order_by(StockMove.id)))
        assert [(row.product_id, row.quantity, row.unit_cost) for row in rows] == [
            (a, -2_000, Decimal("700.0000")),
            (b, -1_000, Decimal("0.0000")),
            (a, -4_000, Decimal("700.0000")),
            (b, 3_000, Decimal("0.0000")),
        ]
        assert [row.id for row in rows] == [r.move_id for r in results]
        assert await stock.drift(session) == []


async def test_moves_at_once_refuse_what_one_by_one_would(db: Database) -> None:
    a = await _id(db, "A")
    bad = [
        ([stock.Move(a, 0, StockReason.SALE)], "cero"),
        ([stock.Move(a, 1_000, StockReason.PURCHASE)], "costo promedio"),
        ([stock.Move(999_999, -1_000, StockReason.SALE)], "no existe"),
    ]
    for moves, message in bad:
        with pytest.raises(stock.InvalidMove, match=message):
            async with db.write() as session:
                await stock.record_moves(session, moves, location="sala", user_id=None, ref_type="", ref_id="")
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(StockMove)) == 0
