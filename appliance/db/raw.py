"""Plain SQL on a session's own SQLite connection, inside its transaction, for the counter's hot paths.

Through the ORM a keyed lookup costs about 0,3 ms of Python on a Pi-class CPU, and flushing a changed row more; the
same statement on the sqlite3 connection costs a few microseconds, and a scan is half a dozen of them. So the cart,
the scan lookup and the rows every sale writes speak SQL here. Rules that keep this safe beside the ORM:

- the session's pending ORM changes are flushed before any plain statement, so SQL sees what the ORM wrote;
- the ORM does not see plain writes to rows it already holds: a transaction that sells (or changes a cart) must not
  hold ORM objects of the tables written plainly — carts, cart_lines, sales, sale_lines, payments, outbox,
  stock_moves, stock_levels, caf_ranges, sii_documents — and then rely on their attributes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from appliance.db.inline import InlineConnection

_KEY = "raw_sql"

Row = tuple[Any, ...]


class RawSQL:
    """The session's connection: on an inline one, calls run at once; on aiosqlite's, they go to its thread."""

    def __init__(self, driver: aiosqlite.Connection) -> None:
        self._driver = driver
        self._now: sqlite3.Connection | None = driver.sqlite if isinstance(driver, InlineConnection) else None

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._now is not None:
            return self._now.execute(sql, params).fetchall()
        return [tuple(row) for row in await self._driver.execute_fetchall(sql, params)]

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        if self._now is not None:
            row: Row | None = self._now.execute(sql, params).fetchone()
            return row
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    async def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A write; returns the new row's id for an INSERT."""
        if self._now is not None:
            return self._now.execute(sql, params).lastrowid or 0
        cursor = await self._driver.execute(sql, params)
        return cursor.lastrowid or 0

    async def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A write; returns how many rows it changed (a conditional UPDATE that found nothing says 0)."""
        if self._now is not None:
            return self._now.execute(sql, params).rowcount
        cursor = await self._driver.execute(sql, params)
        return cursor.rowcount

    async def run_many(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        if self._now is not None:
            self._now.executemany(sql, params)
        else:
            await self._driver.executemany(sql, params)


async def raw(session: AsyncSession) -> RawSQL:
    """The session's transaction as plain SQL (it begins it if it has not begun)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    held: RawSQL | None = session.info.get(_KEY)
    if held is None:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        held = RawSQL(driver)
        session.info[_KEY] = held
    return held


def attach_raw(session: AsyncSession, driver: aiosqlite.Connection) -> None:
    """Give a session bound to the writer's connection (writer.py) its plain-SQL handle up front: asking SQLAlchemy
    for the connection would begin its transaction machinery, the cost the writer exists to avoid."""
    session.info[_KEY] = RawSQL(driver)


def tx_state(session: AsyncSession) -> dict[Any, Any]:
    """A place for what one transaction already loaded (the cart), dropped when the transaction ends."""
    state: dict[Any, Any] = session.info.setdefault("tx_state", {})
    return state


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # The next transaction may run on another pooled connection, and what this one loaded may have rolled back.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop("tx_state", None)


@cache
def marks(n: int) -> str:
    """`?, ?, ?` for an IN list of n values."""
    return ", ".join("?" * n)


def stored(moment: datetime) -> str:
    """A moment as SQLAlchemy's DateTime (with UtcDateTime) stores it in SQLite: naive UTC, with microseconds."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given for a UTC column")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def stored_now() -> str:
    return stored(datetime.now(UTC))


def stored_datetime(text: str) -> datetime:
    """A stored UTC moment back as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
