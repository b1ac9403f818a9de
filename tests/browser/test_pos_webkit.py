"""The tablet's counter in WebKit, Safari's engine (iPads): PIN keypad, scans, ¿trae envase?, the customer dialog,
a scan pushed from the box by server-sent events, and payment with change. Screenshots go to test-output/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import serving
from tests.browser.test_pos_counter_browser import SODA, YOGURT, _seed
from tests.browser.webkit import ENTER, Session, webkit
from tests.support import PASSWORD, csrf_from

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    box: dict[str, str] = {}
    with serving(lambda: _seed(tmp_path / "shop", box)) as url:
        yield url, box


def _click_text(page: Session, selector: str, text: str) -> None:
    page.script(
        "const el = [...document.querySelectorAll(arguments[0])].find(e => e.textContent.includes(arguments[1]));"
        "if (!el) throw new Error('no ' + arguments[1]); el.click();",
        selector,
        text,
    )


def _text(page: Session, selector: str) -> str:
    return str(page.script("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", selector))


def _scan(page: Session, code: str) -> None:
    page.find("#scan").type(code + ENTER)


def test_the_counter_in_webkit(shop: tuple[str, dict[str, str]], test_output: Path) -> None:
    url, box = shop
    with webkit() as page:
        page.go(f"{url}/emparejar")
        page.add_cookie("mm_device", box["token"])
        page.go(f"{url}/caja/pin")
        _click_text(page, "label.person", "Caja")
        for digit in "2468":
            page.find(f".key[data-key='{digit}']").click()
        page.find(".key.ok").click()
        page.wait_for("return !!document.querySelector('.empty-cart');")

        for _ in range(4):
            _scan(page, YOGURT)
        page.wait_for("return document.getElementById('total').textContent === '$1.600';")
        assert "4 x $1.600" in _text(page, ".line-note")

        _scan(page, SODA)
        page.wait_for("return !!document.querySelector('.envase-ask');")
        _click_text(page, ".envase-ask button", "No: cobrar depósito")
        page.wait_for("return !!document.querySelector('.line.deposit');")
        page.wait_for("return document.getElementById('total').textContent === '$4.090';")

        # The customer dialog (<dialog>.showModal) and its live search.
        page.find("#customer-open").click()
        page.wait_for("return document.getElementById('customer').open;")
        page.find("#customer-q").type("rosa")
        page.wait_for("return !!document.querySelector('.customer-row');")
        _click_text(page, ".customer-row button", "Boleta")
        page.wait_for("return !!document.querySelector('.customer-strip');")
        assert not page.script("return document.getElementById('customer').open;")

        # A scan read on the box's own scanner reaches this tablet by server-sent events.
        with httpx.Client(base_url=url) as admin:
            token = csrf_from(admin.get("/login").text)
            admin.post("/login", data={"username": "admin", "password": PASSWORD, "_csrf_token": token})
            lanes = admin.get("/ajustes/cajas").text
            response = admin.post("/ajustes/cajas/1/escaneo", data={"code": YOGURT, "_csrf_token": csrf_from(lanes)})
            assert response.status_code in (200, 303), response.text
        page.wait_for("return document.getElementById('total').textContent === '$4.580';")  # 4 x $1.600 + 1
        page.wait_for("return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))) || 1;")
        page.screenshot(test_output / "webkit-01-sell.png")

        page.find("#pay-open").click()
        page.wait_for("return document.getElementById('pay').open;")
        page.find("#pay-cash").type("10000")
        _click_text(page, "#pay-form button", "Confirmar pago")
        page.wait_for("return !!document.querySelector('.change');", timeout=15)
        assert "Vuelto" in _text(page, ".change")
        page.screenshot(test_output / "webkit-02-receipt.png")
