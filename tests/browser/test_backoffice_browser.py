"""The back office in a real Chromium against the real app: login, creating a product, live search, permissions and
field errors. Each step leaves a full-page screenshot in test-output/ for people to look at."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from appliance.core.barcodes import ean_check_digit
from tests.support import PASSWORD

pytestmark = pytest.mark.browser

PRODUCT_NAME = "Léche Descremada Colun 1 L"  # the accent is on purpose: the search must ignore it
BARCODE_BODY = "780282000550"
BARCODE = BARCODE_BODY + ean_check_digit(BARCODE_BODY)
BAD_BARCODE = BARCODE_BODY + str((int(ean_check_digit(BARCODE_BODY)) + 1) % 10)
ERROR_RED = "rgb(179, 38, 30)"  # --bad in web/static/app.css


def shot(page: Page, test_output: Path, name: str) -> None:
    # From the top: after Playwright scrolls a field into view, a full-page shot would paint the sticky top bar
    # wherever the page was scrolled to, in the middle of the form.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=test_output / f"backoffice-{name}.png", full_page=True)


def log_in(page: Page, username: str) -> None:
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Hola, "))).to_be_visible()


def live_search(page: Page, text: str) -> None:
    """Type into the product search as a person would and wait until app.js has swapped in the matching rows.

    app.js fetches the rows (X-Fragment: 1) once typing pauses, puts them in the page, then rewrites the address
    (history.replaceState), and only for the latest keystroke: so the address is the signal that the rows on screen
    answer `text`. A failed fetch is swallowed by app.js (the page just stays as it was), so its status is checked
    here to say what went wrong.
    """

    def answers_text(response: Response) -> bool:
        query = parse_qs(urlsplit(response.url).query)
        return response.request.headers.get("x-fragment") == "1" and query.get("q") == [text]

    search = page.get_by_role("searchbox", name=re.compile("Buscar por nombre"))
    search.fill("")
    with page.expect_response(answers_text) as fetched:
        search.press_sequentially(text, delay=25)
    response = fetched.value
    assert response.status == 200, (
        f"the live search for «{text}» got HTTP {response.status} from GET {response.url}: "
        f"{page_title(response.text())}"
    )
    expect(page).to_have_url(re.compile(r"/productos\?q=" + re.escape(quote_plus(text)) + "&"))


def page_title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    return " ".join(found.group(1).split()) if found else html[:200]


def test_admin_creates_a_product_and_finds_it_by_name_and_barcode(page: Page, test_output: Path) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.get_by_role("heading", name="Minimarket")).to_be_visible()
    shot(page, test_output, "01-login")

    log_in(page, "admin")
    page.locator("header.topbar nav").get_by_role("link", name="Productos", exact=True).click()
    expect(page.get_by_role("heading", name="Productos", exact=True)).to_be_visible()
    page.get_by_role("link", name="Nuevo producto").click()
    expect(page.get_by_role("heading", name="Nuevo producto")).to_be_visible()

    page.get_by_label("Código interno").fill("LEC-001")
    page.get_by_label("Nombre", exact=True).fill(PRODUCT_NAME)
    page.get_by_label("Precio de venta").fill("1.190")
    page.get_by_label("Códigos de barra").fill(BARCODE)
    shot(page, test_output, "02-product-form")
    page.get_by_role("button", name="Guardar").click()

    expect(page).to_have_url(re.compile(r"/productos/\d+$"))
    expect(page.get_by_role("status")).to_contain_text(f"Producto «{PRODUCT_NAME}» creado.")
    expect(page.get_by_role("heading", name=PRODUCT_NAME)).to_be_visible()
    expect(page.get_by_label("Precio de venta")).to_have_value("1190")
    expect(page.get_by_label("Códigos de barra")).to_have_value(BARCODE)
    shot(page, test_output, "03-product-saved")

    page.get_by_role("link", name="← Productos").click()
    expect(page).to_have_url(re.compile(r"/productos$"))
    rows = page.locator("#product-rows")

    live_search(page, "zzz")  # first prove the live search filters at all
    expect(rows).to_contain_text("No hay productos que coincidan con «zzz»")

    live_search(page, "leche descremada")
    expect(rows.locator("tbody tr")).to_have_count(1)
    expect(rows.get_by_role("link", name=PRODUCT_NAME)).to_be_visible()
    expect(rows).to_contain_text("$1.190")
    shot(page, test_output, "04-search-by-name")

    live_search(page, "zzz")
    expect(rows).to_contain_text("No hay productos")
    live_search(page, BARCODE)
    expect(rows.locator("tbody tr")).to_have_count(1)
    expect(rows.get_by_role("link", name=PRODUCT_NAME)).to_be_visible()
    shot(page, test_output, "05-search-by-barcode")


def test_cashier_cannot_open_the_new_product_form(page: Page, test_output: Path) -> None:
    page.goto("/login")
    log_in(page, "caja")
    expect(page.locator("header.topbar nav").get_by_role("link")).to_have_count(0)

    response = page.goto("/productos/nuevo")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Sin permiso")).to_be_visible()
    expect(page.get_by_text("Su usuario no tiene permiso para esta pantalla o acción.")).to_be_visible()
    expect(page.get_by_label("Código interno")).to_have_count(0)
    shot(page, test_output, "06-cashier-forbidden")


def test_bad_barcode_and_price_show_spanish_errors_beside_the_fields(page: Page, test_output: Path) -> None:
    page.goto("/login")
    log_in(page, "admin")
    page.goto("/productos/nuevo")
    page.get_by_label("Código interno").fill("LEC-002")
    page.get_by_label("Nombre", exact=True).fill(PRODUCT_NAME)
    page.get_by_label("Precio de venta").fill("abc")
    page.get_by_label("Códigos de barra").fill(BAD_BARCODE)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Guardar").click()
    assert posted.value.status == 400

    expect(page.get_by_role("alert")).to_contain_text("No se guardó: revise los campos marcados en rojo.")
    price_label = page.locator("label.has-error", has=page.locator('input[name="price"]'))
    barcode_label = page.locator("label.has-error", has=page.locator('textarea[name="barcodes"]'))
    expect(price_label.locator(".field-error")).to_have_text(
        "«abc» no es un monto válido. Escriba solo números, por ejemplo 1.990."
    )
    expect(barcode_label.locator(".field-error")).to_contain_text(
        f"El código {BAD_BARCODE} no es válido: el dígito verificador debería ser {BARCODE[-1]}."
    )
    for label in (price_label, barcode_label):
        expect(label.locator(".field-error")).to_have_css("color", ERROR_RED)
        expect(label.locator("input, textarea")).to_have_css("border-top-color", ERROR_RED)
    expect(page.locator(".field-error")).to_have_count(2)
    # What the person typed is still there to correct.
    expect(page.get_by_label("Nombre", exact=True)).to_have_value(PRODUCT_NAME)
    expect(page.get_by_label("Precio de venta")).to_have_value("abc")
    shot(page, test_output, "07-form-errors")

    page.goto("/productos?estado=todos")
    expect(page.locator("#product-rows")).to_contain_text("No hay productos")
