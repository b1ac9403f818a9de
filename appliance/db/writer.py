"""The one connection every write transaction of this process runs on (bulk imports aside), begun and committed
without SQLAlchemy's transaction machinery unless the ORM takes part.

A scan is a handful of plain SQL statements (raw.py) that SQLite runs in tens of microseconds; opening, beginning,
committing and closing an ORM session around them cost about 0,6 ms of Python on this class of CPU, the largest
single part of the scan. So the writer keeps its connection open, issues BEGIN IMMEDIATE and COMMIT itself, and hands
out a session bound to that connection with the plain-SQL handle already attached. If the ORM is used (a customer
looked up, a row added), SQLAlchemy joins the open transaction on the same connection, and the commit then goes
through the session, so its flush and its after-commit hooks (the caches' change counters) run as before.

Durability is chosen per transaction (engine.py): FULL for anything with money or a decision in it, NORMAL for a
change to a cart. The COMMIT runs on a worker thread whenever it may wait on the disk (inline.py decides).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from appliance.db.inline import InlineConnection
from appliance.db.raw import attach_raw


class Writer:
    def __init__(self, engine: AsyncEngine, *, checkpoints_apart: bool) -> None:
        """`engine`: an inline one (inline.py). `checkpoints_apart`: its connections never checkpoint inside a
        COMMIT (the server's, whose checkpointer does it), so a COMMIT without an fsync has nothing to wait for."""
        self._engine = engine
        self._checkpoints_apart = checkpoints_apart
        self._link: tuple[AsyncConnection, InlineConnection] | None = None
        self._synchronous = ""  # the level the open connection runs at

    async def _connection(self) -> tuple[AsyncConnection, InlineConnection]:
        if self._link is None:
            connection = await self._engine.connect()
            driver = (await connection.get_raw_connection()).driver_connection
            assert isinstance(driver, InlineConnection)
            self._link = (connection, driver)
            self._synchronous = "FULL"  # engine.py's PRAGMAS, set as it connected
        return self._link

    @asynccontextmanager
    async def transaction(self, *, durable: bool) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back entirely if it raises.
        The caller holds the write lock."""
        connection, driver = await self._connection()
        sqlite = driver.sqlite
        synchronous = "FULL" if durable else "NORMAL"
        if synchronous != self._synchronous:  # outside any transaction, as SQLite requires
            sqlite.execute(f"PRAGMA synchronous={synchronous}")
            self._synchronous = synchronous
        driver.commit_waits = durable or not self._checkpoints_apart
        try:
            # At once when the lock is free; on a thread when another process holds it (inline.py).
            await driver.execute("BEGIN IMMEDIATE")
        except BaseException:
            # Cancelled while a thread waited for the lock: that BEGIN may have succeeded since.
            if sqlite.in_transaction:
                sqlite.execute("ROLLBACK")
            raise
        session = AsyncSession(bind=connection, expire_on_commit=False)
        attach_raw(session, driver)
        orm_took_part = False
        try:
            yield session
            orm_took_part = _orm_took_part(session)
            if orm_took_part:
                await session.commit()  # flushes, commits this same connection's transaction, runs the hooks
            else:
                await driver.commit()
        except BaseException:
            orm_took_part = orm_took_part or _orm_took_part(session)
            if sqlite.in_transaction:
                sqlite.execute("ROLLBACK")
            raise
        finally:
            if orm_took_part:
                # Detach what the block loaded: a lazy load after it must fail, not begin a transaction on this
                # connection outside the write lock.
                await session.close()

    async def close(self) -> None:
        if self._link is not None:
            connection, _driver = self._link
            self._link = None
            await connection.close()


def _orm_took_part(session: AsyncSession) -> bool:
    """Whether SQLAlchemy joined the transaction (a query, a flush) or holds changes still to flush."""
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)
