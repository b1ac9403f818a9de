"""The SQLite engine: durability PRAGMAs, explicit BEGIN IMMEDIATE for writers, and one writer at a time.

A box can lose power mid-sale, so WAL with synchronous=FULL: a sale is on disk before the tablet hears of it. SQLite
allows one writer; taking the write lock at BEGIN (IMMEDIATE) instead of at the first write avoids the
deadlock-and-retry dance of upgraded read transactions, and an in-process lock queues our own writers instead of
letting them spin on busy_timeout. The server moves the WAL checkpoint out of the commits (checkpoint.py).

A cart change (a scan, a quantity) is the one write that does not wait for the disk: it commits with
synchronous=NORMAL, which keeps it through a crash of the app (the WAL is in the kernel's cache) and the database
consistent through a power cut, and the server's checkpointer syncs the WAL within a second (checkpoint.py). The
wait it saves is the fdatasync, 1–2 ms typically and tens of milliseconds when Litestream or the receipts are writing
to the same disk: the scan's whole budget, for a line the cashier would simply scan again after a power cut.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from appliance.db.checkpoint import WalCheckpointer
from appliance.db.inline import creator as inline_creator
from appliance.db.writer import Writer

BUSY_TIMEOUT_MS = 5000

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)
# Keep the WAL from growing without bound between checkpoints (Litestream also checkpoints): SQLite's own, inside
# the commit that passes 1000 pages, unless a WalCheckpointer does it in the background (0 turns SQLite's off).
AUTOCHECKPOINT_PAGES = 1000


def _configurer(autocheckpoint: int) -> Any:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would issue a deferred BEGIN; we issue ours in _begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (*PRAGMAS, f"PRAGMA wal_autocheckpoint={autocheckpoint}"):
            cursor.execute(pragma)
        cursor.close()

    return configure


def _begin(conn: Connection) -> None:
    driver = conn.connection.driver_connection
    if driver is not None and driver.in_transaction:
        return  # the writer began it itself (writer.py), and SQLAlchemy joins it
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(
    path: Path, *, echo: bool = False, inline: bool = False, autocheckpoint: int = AUTOCHECKPOINT_PAGES
) -> AsyncEngine:
    """`inline`: SQLite calls run in the event loop's thread (see inline.py); for the single writer."""
    if inline:
        engine = create_async_engine(
            f"sqlite+aiosqlite:///{path}", echo=echo, async_creator=inline_creator(path), pool_size=2, max_overflow=2
        )
    else:
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}", echo=echo, pool_size=8, max_overflow=8)
    event.listen(engine.sync_engine, "connect", _configurer(autocheckpoint))
    event.listen(engine.sync_engine, "begin", _begin)
    return engine


class Database:
    """The app's handle on its SQLite file: `write()` for transactions that change data, `read()` for the rest."""

    def __init__(self, path: Path, *, echo: bool = False, background_checkpoints: bool = False) -> None:
        """`background_checkpoints`: the server's handle; `start()` runs the WAL checkpoint off the commits."""
        self.path = path
        self.checkpointer = WalCheckpointer(path) if background_checkpoints else None
        autocheckpoint = 0 if background_checkpoints else AUTOCHECKPOINT_PAGES
        self.engine = create_engine(path, echo=echo, autocheckpoint=autocheckpoint)
        self._reader = self.engine.execution_options(sqlite_begin="DEFERRED")
        # Writers (one at a time, short) and the counter's quick reads skip aiosqlite's thread hops (inline.py).
        self.quick_engine = create_engine(path, echo=echo, inline=True, autocheckpoint=autocheckpoint)
        self._quick_reader = self.quick_engine.execution_options(sqlite_begin="DEFERRED")
        self._writer = Writer(self.quick_engine, checkpoints_apart=background_checkpoints)
        self._write_lock: asyncio.Lock | None = None

    @asynccontextmanager
    async def write(self, *, bulk: bool = False, durable: bool = True) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back entirely if it raises.

        `bulk`: a long one (an import of thousands of rows) runs on the threaded engine, so the event loop keeps
        serving the tablets' reads meanwhile; it still waits its turn behind the same lock.
        `durable=False`: only for changes to a cart, which commit without waiting for the disk (see the top).
        """
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        if bulk:
            async with self._write_lock, AsyncSession(self.engine, expire_on_commit=False) as s, s.begin():
                yield s
        else:
            async with self._write_lock, self._writer.transaction(durable=durable) as session:
                yield session
        if self.checkpointer is not None:
            self.checkpointer.written(durable=durable)

    def start(self) -> None:
        """Background work the handle owns (the WAL checkpoint); needs the running event loop."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    @asynccontextmanager
    async def read(self, *, quick: bool = False) -> AsyncIterator[AsyncSession]:
        """A short read transaction (long ones pin the WAL and block checkpoints).

        `quick`: a few keyed lookups on the counter's path (a search, the cart): run inline (inline.py), never
        for anything that may scan a large table (reports, exports), which would hold up the event loop.
        """
        engine = self._quick_reader if quick else self._reader
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self._writer.close()
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        await self.quick_engine.dispose()
        await self.engine.dispose()
