"""The point of sale in Chromium at 1280×800, as a cashier lives it: pair the tablet, PIN, open the turno, sell by
scan (one read on the box's scanner, pushed to the tablet), by search and by weight, pay cash + débito with the
cash part rounded, return one line (nota de crédito), and close the turno with a blind count. A screenshot of each
screen goes to test-output/."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory
from playwright.sync_api import Browser, Page, expect

from appliance.app import create_app
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.devices.manager import DeviceManager
from appliance.pos import pins
from tests.browser.conftest import ACTION_TIMEOUT_MS, VIEWPORT, serving
from tests.devices.counter import FAST_BACKOFF
from tests.support import PASSWORD, make_shop

pytestmark = pytest.mark.browser

MILK = "7802820005509"
PRODUCTS = (
    {
        "code": "L1",
        "name": "Leche Entera Colun 1 L",
        "short_name": "LECHE ENTERA COLUN 1L",
        "price": "1.190",
        "barcodes": MILK,
    },
    {"code": "A1", "name": "Arroz Grado 2 Tucapel 1 kg", "price": "1.990", "barcodes": "7801234567894"},
    {"code": "Q1", "name": "Queso Gauda Laminado", "price": "12.990", "unit": "kg", "plu": "30001"},
)


def _seed(root: Path) -> object:
    settings = make_shop(root)

    async def seed() -> None:
        db = Database(settings.database_path)
        async with db.write() as s:
            for fields in PRODUCTS:
                await catalog.create(s, parse_product(fields), user_id=None)
            s.add(Lane(code="caja-1", name="Caja 1"))
            await pins.set_pin(s, 3, "2468", actor_id=None)  # caja (cajero)
            await pins.set_pin(s, 2, "1357", actor_id=None)  # super (supervisor)
        await db.dispose()

    asyncio.run(seed())
    # The box's devices, all simulated: the lane's scale answers the weighing dialog.
    return create_app(settings, devices=DeviceManager(settings, pin_factory=MockFactory(), backoff=FAST_BACKOFF))


@pytest.fixture
def pos_server(tmp_path: Path) -> Iterator[str]:
    with serving(lambda: _seed(tmp_path / "shop")) as url:  # type: ignore[arg-type, return-value]
        yield url


def _shot(page: Page, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"pos-{name}.png"), full_page=False)


def test_a_day_at_the_counter(browser: Browser, pos_server: str, test_output: Path) -> None:
    admin_ctx = browser.new_context(viewport=VIEWPORT, locale="es-CL", base_url=pos_server)
    tablet_ctx = browser.new_context(viewport=VIEWPORT, locale="es-CL", base_url=pos_server)
    for ctx in (admin_ctx, tablet_ctx):
        ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    admin, tablet = admin_ctx.new_page(), tablet_ctx.new_page()
    errors: list[str] = []
    for tab in (admin, tablet):
        tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # The administrator shows a pairing code on the back office.
        admin.goto("/login")
        admin.fill("input[name=username]", "admin")
        admin.fill("input[name=password]", PASSWORD)
        admin.click("button.primary")
        admin.goto("/ajustes/cajas")
        admin.click("button:has-text('Emparejar tablet')")
        code = admin.locator(".pairing-code").inner_text().replace(" ", "")
        _shot(admin, test_output, "01-pairing-code")

        # An unpaired tablet is sent to pairing; it pairs with the code.
        tablet.goto("/caja/pin")
        expect(tablet).to_have_url(re.compile(r"/emparejar$"))
        tablet.fill("input[name=code]", code)
        tablet.fill("input[name=name]", "Tablet caja 1")
        _shot(tablet, test_output, "02-pair")
        tablet.click("button:has-text('Emparejar')")
        expect(tablet.locator("h1")).to_have_text("Caja 1")

        # PIN sign-in with the on-screen keypad.
        tablet.locator("label.person", has_text="Caja").click()
        for digit in "2468":
            tablet.click(f".key[data-key='{digit}']")
        _shot(tablet, test_output, "03-pin")
        tablet.click(".key.ok")

        # Open the turno with a counted float.
        expect(tablet.locator("h1")).to_have_text("Abrir caja")
        tablet.fill("input[name=opening_float]", "20000")
        _shot(tablet, test_output, "04-open-turno")
        tablet.click("button:has-text('Abrir turno')")
        expect(tablet.locator(".empty-cart")).to_be_visible()

        # A scan on the box's scanner appears on the tablet by itself (server-sent event).
        tablet.wait_for_timeout(300)  # let the event stream connect
        admin.goto("/ajustes/cajas")
        admin.fill("input[name=code]", MILK)
        admin.click("button:has-text('Escanear en la caja')")
        expect(tablet.locator(".line")).to_have_count(1)
        expect(tablet.locator("#total")).to_have_text("$1.190")
        # An unknown code read on the box is seen on the tablet too.
        admin.fill("input[name=code]", "7800000000017")
        admin.click("button:has-text('Escanear en la caja')")
        expect(tablet.locator(".cart-msg.error")).to_contain_text("no está en el catálogo")

        # A keyboard-wedge scanner paired to the tablet: a fast burst ending in Enter is a scan.
        tablet.locator("body").click(position={"x": 5, "y": 700})
        tablet.keyboard.type("7801234567894", delay=5)
        tablet.keyboard.press("Enter")
        expect(tablet.locator(".line")).to_have_count(2)
        # The same digits at a person's pace are not a scan.
        tablet.keyboard.type("7801234567894", delay=90)
        tablet.keyboard.press("Enter")
        tablet.wait_for_timeout(500)
        expect(tablet.locator(".line")).to_have_count(2)
        expect(tablet.locator(".line", has_text="ARROZ")).to_contain_text("1 × $1.990")

        # By name, with big tiles.
        tablet.fill("#scan", "leche")
        tablet.locator(".tile-btn", has_text="Leche Entera Colun").click()
        expect(tablet.locator(".line", has_text="LECHE ENTERA")).to_contain_text("2 × $1.190")

        # By weight: 0,555 kg of cheese on the lane's (simulated) scale, read from the tablet's weighing dialog.
        admin.goto("/dispositivos")
        admin.fill("input[name=grams]", "555")
        admin.click("text=Poner peso")
        tablet.fill("#scan", "queso")
        tablet.locator(".tile-btn", has_text="Queso Gauda").click()
        expect(tablet.locator("#weigh")).to_be_visible()
        _shot(tablet, test_output, "05a-weigh")
        tablet.click("#weigh-scale")
        expect(tablet.locator(".line", has_text="Queso Gauda")).to_contain_text("0,555 kg")
        total = 2 * 1_190 + 1_990 + 7_209  # 0,555 × 12.990 = 7.209,45 → 7.209
        expect(tablet.locator("#total")).to_have_text(f"${total:,}".replace(",", "."))
        _shot(tablet, test_output, "05-cart")

        # Pay $5.000 by débito and the rest in cash: the cash part 6.579 rounds to 6.580.
        tablet.click("#pay-open")
        tablet.fill("input[name=debito]", "5000")
        tablet.fill("input[name=debito_ref]", "004512")
        tablet.fill("#pay-cash", "10000")
        _shot(tablet, test_output, "06-pay")
        tablet.click("button:has-text('Confirmar pago')")
        expect(tablet.locator(".change")).to_contain_text("$3.420")
        expect(tablet.locator(".receipt")).to_contain_text("Redondeo efectivo")
        _shot(tablet, test_output, "07-receipt")

        # Return one line of that sale: one milk back in cash; the supervisor approves; a nota de crédito is issued.
        tablet.goto("/caja")
        tablet.click("text=Devolución")
        tablet.fill("input[name=boleta]", "1")
        tablet.click("button:has-text('Buscar')")
        milk_row = tablet.locator("tr", has_text="LECHE ENTERA COLUN 1L")
        milk_row.locator("input[inputmode=decimal]").fill("1")
        tablet.fill("input[name=reason]", "Producto vencido")
        expect(tablet.locator("select[name=supervisor_id]")).to_have_value("")  # nobody until chosen
        tablet.select_option("select[name=supervisor_id]", label="Super")
        tablet.fill("input[name=supervisor_pin]", "1357")
        _shot(tablet, test_output, "08-return")
        tablet.click("button:has-text('Emitir nota de crédito')")
        expect(tablet.locator("h1")).to_have_text("Nota de crédito N° 1")
        expect(tablet.locator(".change")).to_contain_text("$1.190")
        _shot(tablet, test_output, "09-credit-note")

        # Close the turno: blind count, supervisor approves with PIN.
        tablet.goto("/caja/turno")
        expect(tablet.locator("text=Informe X")).to_be_visible()
        for denomination, pieces in (("20000", "1"), ("5000", "1"), ("100", "3"), ("50", "1"), ("10", "4")):
            tablet.fill(f"input[name=d{denomination}]", pieces)
        expect(tablet.locator("select[name=supervisor_id]")).to_have_value("")  # nobody until chosen
        tablet.select_option("select[name=supervisor_id]", label="Super")
        tablet.fill("input[name=supervisor_pin]", "1357")
        _shot(tablet, test_output, "10-close")
        tablet.click("button:has-text('Cerrar turno')")
        expect(tablet.locator("h1")).to_contain_text("Informe Z")
        # Expected: 20.000 + 6.580 cash sold − 1.190 cash refunded = 25.390; counted 25.390, no difference.
        expect(tablet.locator(".z-report")).to_contain_text("$25.390")
        expect(tablet.locator(".z-report tr", has_text="Diferencia")).to_contain_text("$0")
        _shot(tablet, test_output, "11-z-report")
    finally:
        admin_ctx.close()
        tablet_ctx.close()
    assert not errors, errors
