"""Helpers for the backup tests: a local S3 (moto) that can be stopped and started again on the same port, a shop
that sells at the domain level, content checksums of a database, and polling with timeouts instead of sleeps."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from appliance.backup import config, destination
from appliance.backup.destination import BackupSettings, FileDestination, S3Destination, S3Keys
from appliance.backup.health import ControlSocket
from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.db.models import PaymentMethod as M
from appliance.sales import cart, checkout
from appliance.sales.checkout import CheckoutResult
from appliance.sales.tenders import Tender
from appliance.settings import Settings

MILK = "7802820005509"
KEYS = S3Keys("test-access-key", "test-secret-key")
BUCKET = "respaldo-tienda"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Moto:
    """moto's S3 on 127.0.0.1, in this process; its data outlives stop()/start(), like a provider's outage."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._factory = ThreadedMotoServer
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    def start(self) -> None:
        self._server = self._factory(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEYS.access_key_id,
            aws_secret_access_key=KEYS.secret_access_key,
            region_name="us-east-1",
        )

    def destination(self, path: str = "caja") -> S3Destination:
        return S3Destination(BUCKET, path, self.endpoint, "us-east-1", force_path_style=True)

    def keys_in(self, prefix: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


def use_destination(settings: Settings, dest: FileDestination | S3Destination, **options: Any) -> BackupSettings:
    """Point the shop's backup at `dest`, with a free metrics port (tests run side by side)."""
    backup = replace(BackupSettings(destination=dest, metrics_port=free_port()), **options)
    destination.save(settings, backup)
    if isinstance(dest, S3Destination):
        destination.save_keys(settings, KEYS)
    return backup


async def prepare_selling(settings: Settings) -> None:
    """A product with a barcode, a lane and an open cash session: enough to sell boletas."""
    db = Database(settings.database_path)
    try:
        async with db.write() as s:
            await catalog.create(
                s,
                parse_product({"code": "L1", "name": "Leche Entera 1 L", "price": "1.190", "barcodes": MILK}),
                user_id=None,
            )
            s.add(Lane(code="caja-1", name="Caja 1"))
            await s.flush()
            await cash.open_session(s, 1, user_id=1, opening_float=20_000, now=datetime.now(UTC))
    finally:
        await db.dispose()


async def sell_one(db: Database, settings: Settings, items: int = 2) -> CheckoutResult:
    """One sale, committed in one transaction (scan, pay, boleta with its folio)."""
    async with db.write() as s:
        for _ in range(items):
            await cart.add_scan(s, 1, MILK)
        return await checkout.checkout(
            s,
            1,
            [Tender(M.EFECTIVO, 10_000)],
            cashier_id=1,
            now=datetime.now(UTC),
            secrets_dir=settings.secrets_dir,
        )


async def sell(settings: Settings, count: int, pause: float = 0.0) -> list[CheckoutResult]:
    db = Database(settings.database_path)
    try:
        results = []
        for _ in range(count):
            results.append(await sell_one(db, settings))
            if pause:
                await asyncio.sleep(pause)
        return results
    finally:
        await db.dispose()


def app_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '\\_litestream\\_%' ESCAPE '\\' ORDER BY name"
    )
    return [r[0] for r in rows]


def checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Per table: row count and a digest of its content, order-independent. Litestream's own tables are left out."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for table in app_tables(conn):
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return out
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def scalar(path: Path, sql: str) -> Any:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


async def wait_for(check: Callable[[], Awaitable[Any]], limit: float, what: str, every: float = 0.1) -> Any:
    """Poll until `check()` is truthy; fail with `what` after `limit` seconds (generous: loaded CI machines)."""
    deadline = time.monotonic() + limit
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit} s waiting for {what}")
        await asyncio.sleep(every)


async def fully_replicated(settings: Settings) -> bool:
    """Litestream says the replica holds everything the database has (it ships what is pending, then answers)."""
    answer = await ControlSocket(config.socket_path(settings)).confirm(settings.database_path, within=2.0)
    return answer is not None and answer[0] > 0 and answer[1] >= answer[0]


@dataclass(frozen=True)
class LagStats:
    samples: int
    median: float
    p95: float
    maximum: float

    def line(self, label: str) -> str:
        return (
            f"{label}: commit → replica lag over {self.samples} sales: median {self.median * 1000:.0f} ms, "
            f"p95 {self.p95 * 1000:.0f} ms, max {self.maximum * 1000:.0f} ms"
        )


def lag_stats(lags: list[float]) -> LagStats:
    ordered = sorted(lags)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return LagStats(len(ordered), statistics.median(ordered), p95, ordered[-1])


async def measure_lag(
    settings: Settings, replica_l0: Callable[[], set[str]], count: int, pause: float = 0.4
) -> list[float]:
    """Sell `count` times; for each, the time from the commit returning to a new level-0 LTX file on the replica
    (the first one created after the commit necessarily contains it: sales are not concurrent here)."""
    db = Database(settings.database_path)
    lags = []
    try:
        for i in range(count):
            before = await asyncio.to_thread(replica_l0)
            await sell_one(db, settings)
            committed = time.monotonic()

            async def arrived(before: set[str] = before) -> bool:
                return bool(await asyncio.to_thread(replica_l0) - before)

            await wait_for(arrived, 30, f"sale {i} on the replica", every=0.02)
            lags.append(time.monotonic() - committed)
            await asyncio.sleep(pause * (0.5 + (i % 3) / 2))  # vary the phase against Litestream's ticks
    finally:
        await db.dispose()
    return lags


def file_l0(dest: FileDestination) -> Callable[[], set[str]]:
    folder = dest.path / "ltx" / "0"
    return lambda: {p.name for p in folder.glob("*.ltx")} if folder.exists() else set()


def s3_l0(moto: Moto, dest: S3Destination) -> Callable[[], set[str]]:
    return lambda: set(moto.keys_in(f"{dest.path}/0000/"))


class Proxy:
    """A TCP proxy in front of the local S3 that can stop answering without refusing connections, like a network
    that swallows packets: in "blackhole" mode it accepts connections and sends nothing."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.mode = "forward"
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._drop_all()  # connections of the other mode end; clients reconnect into the new one

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.mode == "blackhole":
            return  # held open, never answered, until the mode changes
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def write_bulk(db: Database, size: int) -> int:
    """Incompressible data through the WAL (a scanned-invoice photo, say): outages must hold up to volume too."""
    async with db.write() as s:
        await s.execute(text("CREATE TABLE IF NOT EXISTS test_bulk (id INTEGER PRIMARY KEY, data BLOB)"))
        await s.execute(text("INSERT INTO test_bulk (data) VALUES (:data)"), {"data": os.urandom(size)})
    return size


def wal_bytes(settings: Settings) -> int:
    try:
        return Path(f"{settings.database_path}-wal").stat().st_size
    except OSError:
        return 0


def folder_bytes(path: Path) -> int:
    """What a folder holds, while Litestream is renaming and deleting in it (a file may go between list and stat)."""
    total = 0
    for item in path.rglob("*") if path.exists() else ():
        with contextlib.suppress(FileNotFoundError):
            if item.is_file():
                total += item.stat().st_size
    return total
