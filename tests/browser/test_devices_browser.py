"""The device settings page in Chromium after a sale: the lane's devices with live badges, the simulated printer's last
ticket (the boleta as printed, timbre included), the simulated scale read from the page, and a badge turning to
"Sin papel" by itself. Screenshots go to test-output/devices-settings.png and test-output/receipt-last.png."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from gpiozero.pins.mock import MockFactory
from PIL import Image
from playwright.sync_api import Page, expect

from appliance.app import create_app
from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.db.engine import Database
from appliance.db.models import Document, PaymentMethod
from appliance.devices.manager import DeviceManager
from appliance.sales import cart, checkout
from appliance.sales.tenders import Tender
from drivers.printing import PrinterState
from tests.browser.conftest import serving
from tests.devices.counter import CASHIER_ID, FAST_BACKOFF, MILK, seed_counter
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


class Box:
    """The served shop, and the handles the test needs on it."""

    def __init__(self) -> None:
        self.devices: DeviceManager | None = None
        self.ted = b""
        self.folio = 0


def _build(root: Path, box: Box) -> Any:
    settings = seed_counter(root)

    async def a_cash_sale() -> None:
        """Committed before the server starts: its print worker finds the outbox rows and prints them."""
        db = Database(settings.database_path)
        now = datetime.now(UTC)
        async with db.write() as session:
            await cash.open_session(session, 1, user_id=CASHIER_ID, opening_float=20_000, now=now)
            await cart.add_scan(session, 1, MILK)
            cheese = await catalog.by_code(session, "Q1")
            assert cheese is not None
            await cart.add_product(session, 1, cheese, 1_250)
            result = await checkout.checkout(
                session,
                1,
                [Tender(PaymentMethod.EFECTIVO, 20_000)],
                cashier_id=CASHIER_ID,
                now=now,
                secrets_dir=settings.secrets_dir,
            )
            document = await session.get(Document, result.document_id)
            assert document is not None
            box.ted, box.folio = document.ted, document.folio
        await db.dispose()

    asyncio.run(a_cash_sale())
    box.devices = DeviceManager(settings, pin_factory=MockFactory(), backoff=FAST_BACKOFF, health_interval=0.5)
    return create_app(settings, devices=box.devices)


@pytest.fixture
def shop_box(tmp_path: Path) -> Iterator[tuple[str, Box]]:
    box = Box()
    with serving(lambda: _build(tmp_path / "shop", box)) as url:
        yield url, box


def test_device_settings_and_the_last_ticket(
    browser: Any, shop_box: tuple[str, Box], test_output: Path, tmp_path: Path
) -> None:
    url, box = shop_box
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CL", base_url=url)
    context.set_default_timeout(10_000)
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.click("nav >> text=Dispositivos")
        expect(page.locator("h1")).to_have_text("Dispositivos de las cajas")

        # The boleta printed while the page was being opened: reload until its ticket is there.
        ticket = page.locator(".ticket.latest img")
        for _ in range(50):
            if ticket.count():
                break
            page.wait_for_timeout(200)
            page.reload()
        expect(ticket).to_be_visible()
        page.wait_for_function("document.querySelector('.ticket.latest img').naturalWidth > 0")
        expect(page.locator('[data-health="1-printer"]')).to_have_text("Lista")
        expect(page.locator('[data-health="1-scale"]')).to_have_text("Conectada")
        # Each device in plain words; its connection string is folded away for the technician.
        expect(page.locator('[data-device-words="1-printer"]')).to_have_text("Impresora simulada (sin equipo)")
        expect(page.locator('[data-device-words="1-scanner"]')).to_have_text("Lector de códigos simulado (sin equipo)")
        expect(page.locator('[data-device-words="1-scale"]')).to_have_text("Balanza simulada (sin equipo)")
        expect(page.locator('input[name="printer"]')).to_be_hidden()
        technical = page.locator("#caja-1 details.tech summary").first
        technical.click()
        expect(page.locator('input[name="printer"]')).to_be_visible()
        technical.click()

        # The simulated scale: weight put on it from the page, read back through the lane's scale.
        page.fill("input[name=grams]", "1250")
        page.click("text=Poner peso")
        expect(page.locator(".flash.ok")).to_contain_text("1,250 kg sobre el plato")
        page.click("text=Leer peso")
        expect(page.locator(".weight-result")).to_have_text("Peso: 1,250 kg")
        expect(page.locator('input[name="printer"]')).to_have_value("simulated")
        page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar is drawn where the page is scrolled to
        page.screenshot(path=str(test_output / "devices-settings.png"), full_page=True)

        # The last ticket at full size (one image pixel per printer dot): what the customer took home.
        source = ticket.get_attribute("src")
        assert source
        png = tmp_path / "ticket.png"
        png.write_bytes(context.request.get(url + source).body())
        found = zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.PDF417)
        assert [result.bytes for result in found] == [box.ted]
        width, height = Image.open(png).size
        page.set_viewport_size({"width": width + 40, "height": height + 40})
        page.goto(source)
        page.locator("img").screenshot(path=str(test_output / "receipt-last.png"))
        page.set_viewport_size({"width": 1280, "height": 800})

        # Out of paper: the badge says so by itself, without reloading the page.
        page.goto("/dispositivos")
        assert box.devices is not None
        lane = box.devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        lane.simulated_printer.set_state(PrinterState.PAPER_OUT)
        expect(page.locator('[data-health="1-printer"]')).to_have_text("Sin papel", timeout=15_000)
        lane.simulated_printer.set_state(PrinterState.OK)
    finally:
        context.close()
    assert not errors, errors
