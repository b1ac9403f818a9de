"""The writer's transactions (db/writer.py): plain SQL commits without SQLAlchemy's transaction machinery, and when
the ORM takes part it joins the same transaction, commits it with its hooks, and leaves nothing attached."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.db.raw import raw
from appliance.http import auth_cache
from tests.support import migrated_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = migrated_database(tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def orm_begins(db: Database) -> list[str]:
    """Each time SQLAlchemy began a transaction on the writer's engine."""
    began: list[str] = []

    def record(conn: Connection) -> None:
        began.append("begin")

    event.listen(db.quick_engine.sync_engine, "begin", record)
    return began


def _lanes(db: Database) -> list[str]:
    with sqlite3.connect(db.path) as conn:  # another connection: sees only what was committed
        return [code for (code,) in conn.execute("SELECT code FROM lanes ORDER BY code")]


async def _insert_lane(session: AsyncSession, code: str) -> None:
    await (await raw(session)).run(
        "INSERT INTO lanes (code, name, active, printer, scanner, scale, drawer_pin)"
        " VALUES (?, ?, 1, 'simulated', 'simulated', 'simulated', 2)",
        (code, code),
    )


async def test_plain_sql_commits_without_the_orm_beginning_anything(db: Database, orm_begins: list[str]) -> None:
    async with db.write(durable=False) as s:
        await _insert_lane(s, "caja-1")
    async with db.write() as s:
        await _insert_lane(s, "caja-2")
    assert orm_begins == []
    assert _lanes(db) == ["caja-1", "caja-2"]


async def test_the_orm_joins_the_same_transaction_and_its_commit_hooks_run(db: Database, orm_begins: list[str]) -> None:
    before = auth_cache.generation()
    async with db.write() as s:
        await _insert_lane(s, "caja-1")
        # The ORM sees the plain insert: same connection, same transaction.
        assert await s.scalar(select(func.count()).select_from(Lane)) == 1
        s.add(Lane(code="caja-2", name="Caja 2"))
    assert orm_begins == ["begin"]  # joined the writer's open transaction, which it did not begin again
    assert _lanes(db) == ["caja-1", "caja-2"]
    assert auth_cache.generation() == before + 1  # a lane changed: the sign-in cache knows at once


async def test_changes_only_added_are_flushed_and_committed(db: Database) -> None:
    async with db.write() as s:
        s.add(Lane(code="caja-3", name="Caja 3"))  # never flushed inside the block
    assert _lanes(db) == ["caja-3"]


@pytest.mark.parametrize("with_orm", [False, True])
async def test_a_failed_write_leaves_nothing_and_the_next_one_goes_through(db: Database, with_orm: bool) -> None:
    before = auth_cache.generation()
    with pytest.raises(RuntimeError):
        async with db.write() as s:
            await _insert_lane(s, "caja-1")
            if with_orm:
                s.add(Lane(code="caja-2", name="Caja 2"))
                await s.flush()
            raise RuntimeError("the sale failed half-way")
    assert _lanes(db) == []
    assert auth_cache.generation() == before  # nothing committed, nothing to forget
    async with db.write(durable=False) as s:
        await _insert_lane(s, "caja-9")
    assert _lanes(db) == ["caja-9"]


async def test_what_a_write_loaded_is_detached_after_it(db: Database) -> None:
    async with db.write() as s:
        s.add(Lane(code="caja-1", name="Caja 1"))
    async with db.write() as s:
        lane = await s.scalar(select(Lane))
        assert lane is not None
    # A lazy load now fails instead of beginning a transaction on the writer's connection outside the write lock.
    assert inspect(lane).detached
    assert lane.code == "caja-1"  # what was loaded stays readable (expire_on_commit=False)


async def test_durability_is_set_per_transaction_on_the_one_connection(db: Database) -> None:
    levels = []
    for durable in (True, False, False, True, False):
        async with db.write(durable=durable) as s:
            sql = await raw(s)
            row = await sql.one("PRAGMA synchronous")
            assert row is not None
            levels.append(row[0])
            assert not s.in_transaction()  # plain SQL only: the ORM never started
    assert levels == [2, 1, 1, 2, 1]  # FULL, NORMAL, NORMAL, FULL, NORMAL
