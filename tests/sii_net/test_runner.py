"""The SII queue as the app runs it: a scheduled job that drains to the simulator without anyone calling it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select

from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Document, Lane
from appliance.db.models import PaymentMethod as M
from appliance.demo.sii import start_simulator
from appliance.sales import cart, checkout
from appliance.sales.tenders import Tender
from appliance.settings import Settings
from appliance.sii.runner import SiiRunner


async def test_scheduled_queue_gets_boletas_accepted(shop: Settings) -> None:
    server, settings = start_simulator(shop)
    settings = replace(settings, sii_interval=0.3)
    server.simulator.state.config = replace(server.simulator.state.config, processing_delay=0.1)
    db = Database(settings.database_path)
    try:
        async with db.write() as s:
            await catalog.create(
                s,
                parse_product({"code": "L1", "name": "Leche", "price": "990", "barcodes": "7802820005509"}),
                user_id=None,
            )
            s.add(Lane(code="caja-1", name="Caja 1"))
            await s.flush()
            await cash.open_session(s, 1, user_id=1, opening_float=0, now=datetime.now(UTC))
            for _ in range(3):
                await cart.add_scan(s, 1, "7802820005509")
        async with db.write() as s:
            await checkout.checkout(
                s, 1, [Tender(M.EFECTIVO, 3_000)], cashier_id=1, now=datetime.now(UTC), secrets_dir=settings.secrets_dir
            )
        pending: list[bool] = []
        runner = SiiRunner(db, settings, on_pending=pending.append)
        runner.start()
        try:
            for _ in range(60):
                await asyncio.sleep(0.25)
                async with db.read() as s:
                    accepted = await s.scalar(
                        select(func.count()).select_from(Document).where(Document.state == "aceptado")
                    )
                if accepted == 1:
                    break
            assert accepted == 1, runner.health
            assert runner.health.last_run is not None and runner.health.last_error == ""
            await asyncio.sleep(0.5)
            assert pending[0] is True and pending[-1] is False  # the LED: waiting, then all sent
        finally:
            await runner.stop()
    finally:
        await db.dispose()
        server.stop()
