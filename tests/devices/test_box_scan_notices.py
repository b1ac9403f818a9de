"""What the box's own scanner reads besides products, and what the tablet hears of it (tests/browser checks the
screens): alcohol out of hours enters no cart, and its notice names the product and quantity for the supervisor's
authorisation; a receipt's timbre enters no cart either, and its notice names the document for the return screen."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.core.clock import CHILE_TZ
from appliance.db.engine import Database
from appliance.devices.scans import box_scan
from appliance.pos.events import LaneHub
from appliance.sales import cart, compliance
from appliance.settings import Settings
from tests.devices.counter import MILK, seed_counter

WINE = "7801234500037"


async def _closed_hours_and_wine(db: Database) -> int:
    local = datetime.now(UTC).astimezone(CHILE_TZ)
    start = (local + timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(minutes=6)).time().replace(second=0, microsecond=0)
    async with db.write() as s:
        await compliance.save(s, compliance.AlcoholRules(start, end if end != start else time(23, 59)))
        product = await catalog.create(
            s,
            parse_product(
                {"code": "V1", "name": "Vino Tinto 750 cc", "price": "4.990", "additional_tax": "25", "barcodes": WINE}
            ),
            user_id=None,
        )
        return int(product.id)


@pytest.fixture
def shop(tmp_path: Path) -> Settings:
    """Built outside the test's event loop (seeding runs its own)."""
    return seed_counter(tmp_path / "shop")


async def test_alcohol_refused_on_the_box_scanner_tells_the_tablet_what_to_authorise(shop: Settings) -> None:
    settings = shop
    db, hub = Database(settings.database_path), LaneHub()
    try:
        wine_id = await _closed_hours_and_wine(db)
        added, message = await box_scan(db, hub, 1, WINE)
        assert not added and "Fuera del horario de venta de alcohol" in message
        notice = await hub.wait(1, 0, keepalive=1)
        assert notice is not None and not notice.ok and notice.message == message
        assert notice.alcohol == (wine_id, 1000)
        async with db.read() as s:
            assert not (await cart.view(s, 1)).lines
            refusal = await cart.alcohol_refusal(s, wine_id, 1000, now=datetime.now(UTC))
        assert refusal is not None and refusal.message == message

        # Anything else refused (an unknown code) carries no authorisation; a good scan neither.
        await box_scan(db, hub, 1, "7800000000017")
        unknown = await hub.wait(1, notice.seq, keepalive=1)
        assert unknown is not None and not unknown.ok and unknown.alcohol is None
        assert (await box_scan(db, hub, 1, MILK))[0]
        milk = await hub.wait(1, unknown.seq, keepalive=1)
        assert milk is not None and milk.ok and milk.alcohol is None
    finally:
        await db.dispose()


async def test_a_receipts_timbre_read_on_the_box_names_its_document_for_the_return_screen(shop: Settings) -> None:
    from appliance.cash import sessions as cash
    from appliance.db.models import Document, PaymentMethod
    from appliance.sales import checkout
    from appliance.sales.tenders import Tender

    db, hub = Database(shop.database_path), LaneHub()
    try:
        async with db.write() as s:
            await cash.open_session(s, 1, user_id=1, opening_float=10_000, now=datetime.now(UTC))
            await cart.add_scan(s, 1, MILK)
            sold = await checkout.checkout(
                s,
                1,
                [Tender(PaymentMethod.EFECTIVO, 5_000)],
                cashier_id=1,
                now=datetime.now(UTC),
                secrets_dir=shop.secrets_dir,
            )
            document = await s.get(Document, sold.document_id)
            assert document is not None
        timbre = document.ted.decode("iso-8859-1")
        added, message = await box_scan(db, hub, 1, timbre)
        assert added and message == f"Recibo de la Boleta Electrónica N° {sold.folio}: para devolver, abra Devolución."
        notice = await hub.wait(1, 0, keepalive=1)
        assert notice is not None and notice.ok and notice.receipt == f"39-{sold.folio}" and notice.alcohol is None
        async with db.read() as s:
            assert not (await cart.view(s, 1)).lines  # the sale emptied the cart; the timbre added nothing
    finally:
        await db.dispose()
