"""The counter's extras in Chromium at 1280×800: a pack promotion shown per line, ¿trae envase? with the deposit,
empties brought back, quick keys, a supervisor's discount, alcohol out of hours authorised, fiado within the limit,
and a factura to a customer created at the counter with RUT validation. A screenshot of each screen goes to
test-output/."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from appliance.app import create_app
from appliance.catalog import categories
from appliance.catalog import promotions as promotion_store
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Customer, Lane
from appliance.pos import pins
from tests.browser.conftest import ACTION_TIMEOUT_MS, VIEWPORT, open_lane_out_of_alcohol_hours, serving
from tests.support import PASSWORD, make_shop

pytestmark = pytest.mark.browser

YOGURT = "7801234500013"
SODA = "7801234500020"
WINE = "7801234500037"
PRODUCTS = (
    {"code": "Y1", "name": "Yogur Batido Frutilla 125 g", "price": "490", "barcodes": YOGURT},
    {"code": "ENV", "name": "Envase Retornable 2 L", "price": "500", "tax": "exento"},
    {
        "code": "B1",
        "name": "Bebida Cola 2 L Retornable",
        "price": "1.990",
        "additional_tax": "271",
        "barcodes": SODA,
        "container_code": "ENV",
    },
    {"code": "V1", "name": "Vino Tinto Reserva 750 cc", "price": "4.990", "additional_tax": "25", "barcodes": WINE},
    {"code": "P1", "name": "Marraqueta", "price": "2.490", "unit": "kg", "quick_key": "si", "category": "Panadería"},
    {"code": "P2", "name": "Bolsa Reutilizable", "price": "150", "quick_key": "si", "category": "Bolsas"},
)


def _seed(root: Path, box: dict[str, str]) -> Any:
    settings = make_shop(root)

    async def seed() -> None:
        db = Database(settings.database_path)
        now = datetime.now(UTC)
        async with db.write() as s:
            for fields in PRODUCTS:
                if "category" in fields:
                    fields = {**fields, "category_id": str(await categories.ensure_path(s, fields["category"]))}
                    del fields["category"]
                await catalog.create(s, parse_product(fields), user_id=None)
            lane = Lane(code="caja-1", name="Caja 1")
            s.add(lane)
            await s.flush()
            await pins.set_pin(s, 3, "2468", actor_id=None)  # caja (cajero)
            await pins.set_pin(s, 2, "1357", actor_id=None)  # super (supervisor)
            draft, errors = promotion_store.parse_form(
                {
                    "name": "Yogur 4 x $1.600",
                    "kind": "pack",
                    "quantity": "4",
                    "price": "1600",
                    "products": "Y1",
                    "active": "on",
                },
                [],
            )
            await promotion_store.save(s, draft, errors, promo_id=None, user_id=1)
            s.add(Customer(name="Doña Rosa Pérez", credit_limit=5_000, phone="+56 9 8765 4321"))
            box["token"] = await open_lane_out_of_alcohol_hours(s, lane, now=now)
            box["database"] = str(settings.database_path)
        await db.dispose()

    asyncio.run(seed())
    return create_app(settings)


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    box: dict[str, str] = {}
    with serving(lambda: _seed(tmp_path / "shop", box)) as url:
        yield url, box


def _shot(page: Page, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"counter-{name}.png"), full_page=False)


def _scan(tablet: Page, code: str) -> None:
    tablet.fill("#scan", code)
    tablet.press("#scan", "Enter")


def _open_tablet(browser: Browser, url: str, box: dict[str, str]) -> tuple[BrowserContext, Page, list[str]]:
    """The paired tablet's browser, with the page errors it collects."""
    ctx = browser.new_context(viewport=VIEWPORT, locale="es-CL", base_url=url)
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    host = re.sub(r"^https?://|:\d+$", "", url)
    ctx.add_cookies([{"name": "mm_device", "value": box["token"], "domain": host, "path": "/"}])
    tablet = ctx.new_page()
    errors: list[str] = []
    tablet.on("pageerror", lambda e: errors.append(str(e)))
    return ctx, tablet, errors


def _cashier_in(tablet: Page) -> None:
    """The cashier signs in with the PIN keypad; the turno is open, so the empty sale shows."""
    tablet.goto("/caja/pin")
    tablet.locator("label.person", has_text="Caja").click()
    for digit in "2468":
        tablet.click(f".key[data-key='{digit}']")
    tablet.click(".key.ok")
    expect(tablet.locator(".empty-cart")).to_be_visible()


def test_the_counters_rules_on_the_tablet(
    browser: Browser, counter: tuple[str, dict[str, str]], test_output: Path
) -> None:
    url, box = counter
    ctx, tablet, errors = _open_tablet(browser, url, box)
    try:
        _cashier_in(tablet)

        # Four yogurts: the pack price shows under the line.
        for _ in range(4):
            _scan(tablet, YOGURT)
        expect(tablet.locator(".line", has_text="Yogur")).to_contain_text("4 × $490")
        expect(tablet.locator(".line-note")).to_contain_text("4 x $1.600")
        expect(tablet.locator("#total")).to_have_text("$1.600")

        # A returnable drink: ¿trae envase? No → the deposit is charged on its own line.
        _scan(tablet, SODA)
        expect(tablet.locator(".envase-ask")).to_be_visible()
        _shot(tablet, test_output, "01-envase-question")
        tablet.click("button:has-text('No: cobrar depósito')")
        expect(tablet.locator(".line.deposit")).to_contain_text("$500")
        expect(tablet.locator("#total")).to_have_text("$4.090")

        # Two empties from last week, credited against this sale.
        tablet.click("#envase-open")
        tablet.fill("#envase input[name=units]", "2")
        tablet.click("button:has-text('Recibir envases')")
        expect(tablet.locator(".line.redeem")).to_contain_text("−$1.000")
        expect(tablet.locator("#total")).to_have_text("$3.090")

        # Quick keys: a bag, by touch.
        tablet.click("#quick-open")
        expect(tablet.locator(".quick-group h3", has_text="Bolsas")).to_be_visible()
        _shot(tablet, test_output, "02-quick-keys")
        tablet.locator(".tile-btn", has_text="Bolsa Reutilizable").click()
        expect(tablet.locator("#total")).to_have_text("$3.240")

        # A supervisor's 10 % discount on the drink, with the reason.
        tablet.locator(".line", has_text="Bebida Cola").locator("[data-discount]").click()
        tablet.fill("#discount input[name=value]", "10")
        tablet.fill("#discount input[name=reason]", "Etiqueta rota")
        expect(tablet.locator("#discount select[name=supervisor_id]")).to_have_value("")  # nobody until chosen
        tablet.select_option("#discount select[name=supervisor_id]", label="Super")
        tablet.fill("#discount input[name=supervisor_pin]", "0000")
        tablet.click("#discount button:has-text('Autorizar')")
        expect(tablet.locator("#discount .dialog-error")).to_contain_text("PIN incorrecto")
        # What was typed stays for the retry; only the PIN is asked again.
        expect(tablet.locator("#discount input[name=reason]")).to_have_value("Etiqueta rota")
        expect(tablet.locator("#discount select[name=supervisor_id] option:checked")).to_have_text("Super")
        expect(tablet.locator("#discount input[name=supervisor_pin]")).to_have_value("")
        tablet.fill("#discount input[name=supervisor_pin]", "1357")
        _shot(tablet, test_output, "03-discount")
        tablet.click("#discount button:has-text('Autorizar')")
        expect(tablet.locator(".line", has_text="Bebida Cola")).to_contain_text("Dcto. 10% autorizado")
        expect(tablet.locator("#total")).to_have_text("$3.041")

        # Wine out of hours: refused, then authorised by the supervisor.
        _scan(tablet, WINE)
        expect(tablet.locator(".cart-msg.error")).to_contain_text("Fuera del horario de venta de alcohol")
        expect(tablet.locator("form.approve select[name=supervisor_id]")).to_have_value("")
        tablet.select_option("form.approve select[name=supervisor_id]", label="Super")
        tablet.fill("form.approve input[name=supervisor_pin]", "1357")
        _shot(tablet, test_output, "04-alcohol")
        tablet.click("form.approve button:has-text('Autorizar')")
        expect(tablet.locator(".line", has_text="Vino Tinto")).to_contain_text("autorizado")
        tablet.click("button:has-text('Cliente es mayor de edad')")
        expect(tablet.locator("#total")).to_have_text("$8.031")

        # Fiado: Doña Rosa, limit $5.000; the rest in cash.
        tablet.click("#customer-open")
        tablet.fill("#customer-q", "rosa")
        expect(tablet.locator(".customer-row")).to_contain_text("Fiado: debe $0 de $5.000")
        _shot(tablet, test_output, "05-customer")
        tablet.locator(".customer-row button:has-text('Boleta')").click()
        expect(tablet.locator(".customer-strip")).to_contain_text("Doña Rosa Pérez")
        tablet.click("#pay-open")
        tablet.fill("#pay-fiado", "6000")
        tablet.fill("#pay-cash", "5000")
        tablet.click("button:has-text('Confirmar pago')")
        expect(tablet.locator("#pay-error")).to_contain_text("puede fiar hasta $5.000")
        tablet.fill("#pay-fiado", "5000")
        _shot(tablet, test_output, "06-pay-fiado")
        tablet.click("button:has-text('Confirmar pago')")
        # Cash part 3.031 rounds to 3.030: change 1.970.
        expect(tablet.locator(".change")).to_contain_text("$1.970")
        expect(tablet.locator(".receipt")).to_contain_text("Fiado")
        expect(tablet.locator(".receipt")).to_contain_text("Envases devueltos")
        _shot(tablet, test_output, "07-receipt-fiado")

        # A factura for a customer created at the counter: a wrong RUT is refused in Spanish first.
        tablet.goto("/caja")
        _scan(tablet, SODA)
        tablet.click("button:has-text('Sí, trae')")
        tablet.click("#customer-open")
        tablet.click(".quick-create summary")
        form = tablet.locator(".quick-create form")
        for name, value in (
            ("rut", "76.086.428-9"),
            ("name", "Panadería La Espiga SpA"),
            ("giro", "Panadería"),
            ("address", "Av. Irarrázaval 3200"),
            ("comuna", "Ñuñoa"),
        ):
            form.locator(f"input[name={name}]").fill(value)
        form.locator("select[name=documento]").select_option("factura")
        form.locator("button").click()
        expect(tablet.locator("#customer .dialog-error")).to_contain_text("dígito verificador")
        form.locator("input[name=rut]").fill("76.086.428-5")
        _shot(tablet, test_output, "08-quick-customer")
        form.locator("button").click()
        expect(tablet.locator(".customer-strip")).to_contain_text("Factura")
        _shot(tablet, test_output, "09-factura-cart")
        total = tablet.locator("#total").inner_text().replace("$", "").replace(".", "")
        tablet.click("#pay-open")
        tablet.fill("input[name=transferencia]", total)
        tablet.click("button:has-text('Confirmar pago')")
        expect(tablet.locator(".receipt h1")).to_contain_text("Factura")
        # Net prices with IVA and the additional tax (ILA) itemised, as on paper; they add up to the total.
        taxes = {
            row.locator("td").first.inner_text(): int(re.sub(r"\D", "", row.locator("td.num").inner_text()))
            for row in tablet.locator(".receipt .tax-row").all()
        }
        assert set(taxes) >= {"Neto", "IVA 19%", "Impuestos adicionales"}, taxes
        assert sum(taxes.values()) == int(total), (taxes, total)
        _shot(tablet, test_output, "10-factura-receipt")
    finally:
        ctx.close()
    assert not errors, errors


def test_alcohol_read_on_the_box_scanner_is_authorised_on_the_tablet(
    browser: Browser, counter: tuple[str, dict[str, str]], test_output: Path
) -> None:
    """Out of hours, wine read on the box's own scanner: the tablet hears the refusal (server-sent event) and shows
    the supervisor's authorisation form at once; with the supervisor's PIN the wine is sold. Its receipt's timbre
    read on the same scanner later opens the sale on the return screen."""
    url, box = counter
    tablet_ctx, tablet, errors = _open_tablet(browser, url, box)
    admin_ctx = browser.new_context(viewport=VIEWPORT, locale="es-CL", base_url=url)
    admin_ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    admin = admin_ctx.new_page()
    try:
        _cashier_in(tablet)
        tablet.wait_for_timeout(300)  # let the event stream connect

        admin.goto("/login")
        admin.fill("input[name=username]", "admin")
        admin.fill("input[name=password]", PASSWORD)
        admin.click("button.primary")
        admin.goto("/ajustes/cajas")
        admin.fill("input[name=code]", WINE)
        admin.click("button:has-text('Escanear en la caja')")

        expect(tablet.locator(".cart-msg.error")).to_contain_text("Fuera del horario de venta de alcohol")
        expect(tablet.locator("form.approve")).to_be_visible()
        expect(tablet.locator(".line")).to_have_count(0)
        _shot(tablet, test_output, "11-alcohol-from-box-scanner")
        tablet.select_option("form.approve select[name=supervisor_id]", label="Super")
        tablet.fill("form.approve input[name=supervisor_pin]", "1357")
        tablet.click("form.approve button:has-text('Autorizar')")
        expect(tablet.locator(".line", has_text="Vino Tinto")).to_contain_text("autorizado")
        expect(tablet.locator("#total")).to_have_text("$4.990")

        # Sold; then the customer comes back with the receipt: its timbre read on the box's scanner opens the sale
        # on the return screen.
        tablet.click("button:has-text('Cliente es mayor de edad')")
        tablet.click("#pay-open")
        tablet.fill("#pay-cash", "5000")
        tablet.click("button:has-text('Confirmar pago')")
        expect(tablet.locator(".receipt h1")).to_contain_text("Boleta")
        with sqlite3.connect(box["database"]) as conn:
            folio, ted = conn.execute("SELECT folio, ted FROM sii_documents WHERE tipo = 39").fetchone()
        tablet.goto("/caja")  # on the sell screen the timbre adds nothing and says where to go
        tablet.wait_for_timeout(300)
        admin.fill("input[name=code]", ted.decode("iso-8859-1"))
        admin.click("button:has-text('Escanear en la caja')")
        expect(tablet.locator(".cart-msg.live")).to_contain_text(f"Recibo de la Boleta Electrónica N° {folio}")
        expect(tablet.locator(".line")).to_have_count(0)
        tablet.goto("/caja/devolucion")
        tablet.wait_for_timeout(300)  # let the event stream connect
        admin.fill("input[name=code]", ted.decode("iso-8859-1"))
        admin.click("button:has-text('Escanear en la caja')")
        expect(tablet.locator("form.card h2")).to_contain_text(f"Boleta N° {folio}")
        expect(tablet.locator("form.card")).to_contain_text("Vino Tinto Reserva 750 cc")
        _shot(tablet, test_output, "12-return-by-timbre")
    finally:
        tablet_ctx.close()
        admin_ctx.close()
    assert not errors, errors
