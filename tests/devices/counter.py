"""A shop with a lane and its devices, a paired tablet that sells over HTTP, and ways to look at what was printed.

Everything is real: a migrated SQLite file, the app with its `DeviceManager` and print worker, simulated (or
network-double) printers, the tablet going through pairing, PIN and turno like a cashier's.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import zxingcpp
from gpiozero.pins.mock import MockFactory
from litestar.testing import TestClient
from sqlalchemy import select

from appliance.app import create_app
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Document, Lane, OutboxEntry
from appliance.devices.manager import DeviceManager
from appliance.pos import pairing, pins
from appliance.settings import Settings
from drivers.printing import Backoff
from tests.drivers.escpos_parse import Job
from tests.support import csrf_from, make_shop

T = TypeVar("T")

MILK = "7802820005509"
PRODUCTS = (
    {"code": "L1", "name": "Leche Entera Colun 1 L", "price": "1.190", "barcodes": MILK},
    {"code": "Q1", "name": "Queso Gauda Laminado", "price": "12.990", "unit": "kg", "plu": "30001"},
)
CASHIER_ID, CASHIER_PIN = 3, "2468"  # "caja" in tests.support.STAFF
FAST_BACKOFF = Backoff(initial=0.05, factor=2.0, maximum=0.3)


def query(settings: Settings, work: Callable[[Any], Any]) -> Any:
    """Run `await work(session)` in a short read transaction of its own (outside the app's event loop)."""

    async def run() -> Any:
        db = Database(settings.database_path)
        try:
            async with db.read() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


def seed_counter(
    root: Path, *, printer: str = "simulated", scanner: str = "simulated", scale: str = "simulated"
) -> Settings:
    settings = make_shop(root)

    async def seed() -> None:
        db = Database(settings.database_path)
        async with db.write() as session:
            for fields in PRODUCTS:
                await catalog.create(session, parse_product(fields), user_id=None)
            session.add(Lane(code="caja-1", name="Caja 1", printer=printer, scanner=scanner, scale=scale))
            await pins.set_pin(session, CASHIER_ID, CASHIER_PIN, actor_id=None)
        await db.dispose()

    asyncio.run(seed())
    return settings


def manager(settings: Settings, factory: MockFactory | None = None) -> DeviceManager:
    return DeviceManager(settings, pin_factory=factory or MockFactory(), backoff=FAST_BACKOFF, health_interval=0.3)


def wait_for(condition: Callable[[], T], *, within: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        time.sleep(0.02)


@contextmanager
def running(settings: Settings, devices: DeviceManager | None) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, devices=devices)) as client:
        yield client


def open_tablet(client: TestClient[Any], settings: Settings, *, opening_float: str = "20.000") -> str:
    """Pair this client as the lane's tablet, sign the cashier in with the PIN, open the turno; returns a CSRF token."""

    async def code(session: Any) -> str:
        return await pairing.create_code(session, 1, user_id=1, now=datetime.now(UTC))

    async def make_code() -> str:
        db = Database(settings.database_path)
        try:
            async with db.write() as session:
                return await code(session)
        finally:
            await db.dispose()

    pairing_code = asyncio.run(make_code())
    form = client.get(f"/emparejar?codigo={pairing_code}")
    paired = client.post(
        "/emparejar",
        data={"code": pairing_code, "name": "Tablet 1", "_csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert paired.status_code == 303, paired.text
    page = client.get("/caja/pin").text
    signed = client.post(
        "/caja/pin",
        data={"user_id": str(CASHIER_ID), "pin": CASHIER_PIN, "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    token = csrf_from(client.get("/caja/turno").text)
    if client.get("/caja", follow_redirects=False).status_code != 200:
        opened = client.post(
            "/caja/turno/abrir", data={"opening_float": opening_float, "_csrf_token": token}, follow_redirects=False
        )
        assert opened.status_code == 303, opened.text
    return token


def sell(client: TestClient[Any], token: str, payment: dict[str, str], *, weighed_grams: str | None = None) -> int:
    """Scan a milk (and weigh cheese if asked), pay; returns the sale id."""
    headers = {"X-CSRFToken": token}
    assert client.post("/caja/escanear", data={"code": MILK}, headers=headers).status_code == 200
    if weighed_grams:
        found = re.search(r'name="product_id" value="(\d+)"', client.get("/caja/buscar", params={"q": "queso"}).text)
        assert found
        added = client.post(
            "/caja/agregar", data={"product_id": found.group(1), "quantity": weighed_grams}, headers=headers
        )
        assert added.status_code == 200, added.text
    paid = client.post("/caja/pagar", data=payment, headers=headers, follow_redirects=False)
    assert paid.status_code == 303, paid.text
    return int(paid.headers["location"].rsplit("/", 1)[1])


def document_of(settings: Settings, sale_id: int) -> Document:
    async def find(session: Any) -> Document:
        document = await session.scalar(select(Document).where(Document.sale_id == sale_id))
        assert document is not None
        return document

    result: Document = query(settings, find)
    return result


def outbox(settings: Settings) -> list[OutboxEntry]:
    async def rows(session: Any) -> list[OutboxEntry]:
        return list(await session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))

    result: list[OutboxEntry] = query(settings, rows)
    return result


def decode_timbres(job: Job) -> list[bytes]:
    found = []
    for raster in job.rasters:
        found += [r.bytes for r in zxingcpp.read_barcodes(raster.image, formats=zxingcpp.BarcodeFormat.PDF417)]
    return found
