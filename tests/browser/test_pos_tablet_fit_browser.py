"""The tablet's payment and approval screens in Chromium at the two tablet sizes the shops use (1280×800, 1024×768):
the payment dialog fits the screen with its error shown, its heading says the cash to collect (rounded to the ten,
Ley 20.956), and a supervisor's approval starts with nobody chosen and keeps what was typed after a refused PIN.
A screenshot of each goes to test-output/."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from appliance.app import create_app
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.pos import pins
from tests.browser.conftest import ACTION_TIMEOUT_MS, open_lane_out_of_alcohol_hours, serving
from tests.support import make_shop

pytestmark = pytest.mark.browser

BASKET = "7801234500044"  # $19.989: the cash due rounds to $19.990
WINE = "7801234500051"
PRODUCTS = (
    {"code": "C1", "name": "Canasta Familiar", "price": "19.989", "barcodes": BASKET},
    {"code": "V1", "name": "Vino Tinto Reserva 750 cc", "price": "4.990", "additional_tax": "25", "barcodes": WINE},
)
CASHIER_PIN, SUPERVISOR_PIN = "2468", "1357"  # "caja" and "super" in tests.support.STAFF
TABLETS = {"1280x800": {"width": 1280, "height": 800}, "1024x768": {"width": 1024, "height": 768}}


def _seed(root: Path, box: dict[str, str]) -> Any:
    settings = make_shop(root)

    async def seed() -> None:
        db = Database(settings.database_path)
        now = datetime.now(UTC)
        async with db.write() as s:
            for fields in PRODUCTS:
                await catalog.create(s, parse_product(fields), user_id=None)
            lane = Lane(code="caja-1", name="Caja 1")
            s.add(lane)
            await s.flush()
            await pins.set_pin(s, 3, CASHIER_PIN, actor_id=None)
            await pins.set_pin(s, 2, SUPERVISOR_PIN, actor_id=None)
            await pins.set_pin(s, 1, "9999", actor_id=None)  # the administrator can approve too: listed first
            box["token"] = await open_lane_out_of_alcohol_hours(s, lane, now=now)
        await db.dispose()

    asyncio.run(seed())
    return create_app(settings)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    box: dict[str, str] = {}
    with serving(lambda: _seed(tmp_path / "shop", box)) as url:
        yield url, box


def _tablet(browser: Browser, url: str, token: str, size: dict[str, int]) -> tuple[BrowserContext, Page, list[str]]:
    ctx = browser.new_context(viewport=size, locale="es-CL", base_url=url)  # type: ignore[arg-type]
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    host = re.sub(r"^https?://|:\d+$", "", url)
    ctx.add_cookies([{"name": "mm_device", "value": token, "domain": host, "path": "/"}])
    tablet = ctx.new_page()
    errors: list[str] = []
    tablet.on("pageerror", lambda e: errors.append(str(e)))
    tablet.goto("/caja/pin")
    tablet.locator("label.person", has_text="Caja").click()
    for digit in CASHIER_PIN:
        tablet.click(f".key[data-key='{digit}']")
    tablet.click(".key.ok")
    expect(tablet.locator(".empty-cart")).to_be_visible()
    return ctx, tablet, errors


def _scan(tablet: Page, code: str) -> None:
    tablet.fill("#scan", code)
    tablet.press("#scan", "Enter")


def _inside(tablet: Page, selector: str) -> None:
    """The element is wholly on the screen: seen and touchable without scrolling anything."""
    size = tablet.viewport_size
    box = tablet.locator(selector).bounding_box()
    assert size is not None and box is not None, selector
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"], (
        selector,
        box,
        size,
    )


@pytest.mark.parametrize("size", list(TABLETS), ids=list(TABLETS))
def test_the_payment_dialog_fits_the_tablet_with_its_error(
    browser: Browser, shop: tuple[str, dict[str, str]], test_output: Path, size: str
) -> None:
    url, box = shop
    ctx, tablet, errors = _tablet(browser, url, box["token"], TABLETS[size])
    try:
        _scan(tablet, BASKET)
        expect(tablet.locator("#total")).to_have_text("$19.989")

        # In cash the customer pays the total rounded to the ten: that is what the heading asks for.
        tablet.click("#pay-open")
        expect(tablet.locator("#pay-total")).to_have_text("$19.990")
        expect(tablet.locator("#pay-sub")).to_have_text("en efectivo · total $19.989")
        _inside(tablet, "#pay-confirm")

        # Cash that does not cover it: the error shows and the confirm button is still wholly on the screen.
        tablet.fill("#pay-cash", "5000")
        tablet.click("#pay-confirm")
        expect(tablet.locator("#pay-error")).to_contain_text("no alcanza")
        _inside(tablet, "#pay-error")
        _inside(tablet, "#pay-confirm")
        _inside(tablet, "#pay-close")
        tablet.screenshot(path=str(test_output / f"tablet-pay-error-{size}.png"))

        # Card for part of it: the heading follows (exact card, the rest in cash rounded); all by card, exact.
        tablet.fill("#pay-debito", "10000")
        expect(tablet.locator("#pay-total")).to_have_text("$19.990")
        expect(tablet.locator("#pay-sub")).to_have_text("efectivo $9.990 · total $19.989")
        tablet.fill("#pay-debito", "19.989")
        expect(tablet.locator("#pay-total")).to_have_text("$19.989")
        expect(tablet.locator("#pay-sub")).to_have_text("")

        # Paid in cash: the box agrees with the heading (change on $20.000 is $10).
        tablet.fill("#pay-debito", "")
        tablet.fill("#pay-cash", "20000")
        tablet.click("#pay-confirm")
        expect(tablet.locator(".change")).to_contain_text("$10")
    finally:
        ctx.close()
    assert not errors, errors


def test_an_approval_starts_with_nobody_chosen_and_keeps_what_was_typed(
    browser: Browser, shop: tuple[str, dict[str, str]], test_output: Path
) -> None:
    url, box = shop
    ctx, tablet, errors = _tablet(browser, url, box["token"], TABLETS["1280x800"])
    try:
        # A discount: nobody is chosen, so a supervisor who only types his PIN cannot fail it as the administrator.
        _scan(tablet, BASKET)
        tablet.locator(".line", has_text="Canasta").locator("[data-discount]").click()
        approver = tablet.locator("#discount select[name=supervisor_id]")
        expect(approver).to_have_value("")
        expect(approver.locator("option").first).to_have_text("— Quién autoriza —")
        tablet.fill("#discount input[name=value]", "10")
        tablet.fill("#discount input[name=reason]", "Envase abollado")
        tablet.fill("#discount input[name=supervisor_pin]", SUPERVISOR_PIN)
        tablet.click("#discount button:has-text('Autorizar')")
        assert approver.evaluate("select => !select.checkValidity()")  # required: the browser asks for it first
        expect(tablet.locator("#discount .dialog-error")).to_have_count(0)

        # The wrong PIN: refused; the kind, value, reason and approver stay, the PIN is asked again.
        approver.select_option(label="Super")
        tablet.fill("#discount input[name=supervisor_pin]", "0000")
        tablet.click("#discount button:has-text('Autorizar')")
        expect(tablet.locator("#discount .dialog-error")).to_contain_text("PIN incorrecto")
        expect(tablet.locator("#discount input[name=value]")).to_have_value("10")
        expect(tablet.locator("#discount input[name=reason]")).to_have_value("Envase abollado")
        expect(approver.locator("option:checked")).to_have_text("Super")
        expect(tablet.locator("#discount input[name=supervisor_pin]")).to_have_value("")
        _inside(tablet, "#discount button:has-text('Autorizar')")
        tablet.screenshot(path=str(test_output / "tablet-discount-wrong-pin.png"))
        tablet.fill("#discount input[name=supervisor_pin]", SUPERVISOR_PIN)
        tablet.click("#discount button:has-text('Autorizar')")
        expect(tablet.locator(".line", has_text="Canasta")).to_contain_text("Dcto. 10% autorizado")

        # Alcohol out of hours: the authorisation in the cart starts with nobody chosen as well.
        _scan(tablet, WINE)
        expect(tablet.locator(".cart-msg.error")).to_contain_text("Fuera del horario de venta de alcohol")
        expect(tablet.locator("form.approve select[name=supervisor_id]")).to_have_value("")
        tablet.select_option("form.approve select[name=supervisor_id]", label="Super")
        tablet.fill("form.approve input[name=supervisor_pin]", SUPERVISOR_PIN)
        tablet.click("form.approve button:has-text('Autorizar')")
        expect(tablet.locator(".line", has_text="Vino Tinto")).to_contain_text("autorizado")

        # The turno's close: nobody chosen either.
        tablet.goto("/caja/turno")
        expect(tablet.locator("#close-form select[name=supervisor_id]")).to_have_value("")
        expect(tablet.locator("#close-form select[name=supervisor_id] option").first).to_have_text("— Quién autoriza —")
    finally:
        ctx.close()
    assert not errors, errors
