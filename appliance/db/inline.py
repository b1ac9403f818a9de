"""An aiosqlite connection that runs SQLite calls in the event loop's own thread, for writers and quick reads.

aiosqlite sends every call to a worker thread and back: four thread hand-offs per statement, about 1 ms of Python
on a Pi-class CPU, while SQLite itself answers a keyed lookup in microseconds. A scan is a handful of such
statements, so the hops were most of its cost. Writes are short (one sale, one scan) and already run one at a time
behind the write lock, and a name search or the cart's view are a few keyed lookups, so their statements run inline
here. The two calls that can wait on something outside the process go to a thread, so the event loop never stalls
on them:

- BEGIN (IMMEDIATE) may wait up to busy_timeout for another process's write lock (the command line, Litestream):
  it is tried at once without waiting, and only if the lock is taken does it go to a thread to wait;
- COMMIT waits for the fsync that makes the sale durable (synchronous=FULL), and may run an automatic checkpoint.
  A cart change's COMMIT (synchronous=NORMAL, on a connection whose automatic checkpoint is off: the server's)
  only writes a few pages into the kernel's cache, and runs inline like any statement (writer.py decides), as
  does the COMMIT of a transaction that changed no row (a read: a search, the cart's view).

Other readers keep plain aiosqlite: a long report must not hold up the tablets. So do bulk writes (an import).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs what is put on it at once.

    SQLAlchemy's adapter puts a few calls on that queue directly (setting isolation_level).
    """

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as the worker thread would
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


def _is_begin(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0].lstrip()[:5].upper() == "BEGIN"


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._busy_ms: int | None = None
        # Whether a COMMIT that wrote rows may wait on the disk (an fsync, a checkpoint): set by writer.py.
        self.commit_waits = True
        self._changes_at_begin = 0

    def __await__(self) -> Any:
        return self._connect().__await__()  # no worker thread to start

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if _is_begin(args):
            began, result = self._begin_if_free(self._connection, fn, args, kwargs)
            if not began:
                result = await _on_thread(fn, *args, **kwargs)
            self._changes_at_begin = self._connection.total_changes
            return result
        if self._commit_waits(fn, args):
            return await _on_thread(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    def _commit_waits(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """Whether this call is a COMMIT that may wait on the disk. One that wrote no row (a read transaction, the
        counter's searches and cart views) has nothing to sync or checkpoint. (Schema changes are not counted as
        changed rows; they run in migrations, on connections of their own.)"""
        assert self._connection is not None
        is_commit = fn == self._connection.commit or (
            bool(args) and isinstance(args[0], str) and args[0].lstrip()[:6].upper() == "COMMIT"
        )
        return is_commit and self.commit_waits and self._connection.total_changes != self._changes_at_begin

    def _begin_if_free(
        self, connection: sqlite3.Connection, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[bool, Any]:
        """BEGIN at once when the write lock is free, as it nearly always is (this process's writers queue behind
        one lock): a thread hop costs more than the BEGIN. If another process holds it, (False, None): the caller
        waits on a thread, with the usual busy_timeout."""
        if self._busy_ms is None:
            self._busy_ms = int(connection.execute("PRAGMA busy_timeout").fetchone()[0])
        connection.execute("PRAGMA busy_timeout=0")
        try:
            return True, fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return False, None
        finally:
            connection.execute(f"PRAGMA busy_timeout={self._busy_ms}")

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The open sqlite3 connection, for plain SQL in the loop thread (see raw.py)."""
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


async def _on_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await _finish_even_if_cancelled(asyncio.ensure_future(asyncio.to_thread(fn, *args, **kwargs)))


async def _finish_even_if_cancelled(call: asyncio.Future[Any]) -> Any:
    """Await a BEGIN or COMMIT running on a thread. A cancelled caller (shutdown) still waits for it to end: the
    connection must never be rolled back or closed on this thread while that thread is still using it."""
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(call)
            break
        except asyncio.CancelledError:
            if call.done():
                raise
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return result


def creator(path: Path) -> Callable[[], Any]:
    """`async_creator` for create_async_engine: a fresh inline connection to `path`."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: BEGIN and COMMIT run on a helper thread while the loop thread waits for them.
        connection: InlineConnection = await InlineConnection(
            lambda: sqlite3.connect(str(path), check_same_thread=False)
        )
        return connection

    return connect
