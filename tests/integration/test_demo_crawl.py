"""The real `minimarket demo` process, walked: every GET route of the app, as every role, on a paired tablet with and
without a cashier, and anonymously. A 5xx anywhere fails, and so does any unhandled error in the process's log.

The route list is the app's own, so a new screen is walked without touching this test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appliance.http.controllers import ROUTES
from appliance.http.policy import DEVICE_KEY
from tests.integration.demo_process import Demo, csrf, paired_tablet, password_login, pin_login, running_demo

PARAM = re.compile(r"\{(\w+):(\w+)\}")
# Besides a row that exists: one that does not, one past SQLite's integers, one past Python's int limit.
MISSING_IDS = ("999999", "9" * 25, "9" * 5000)


def get_paths() -> list[tuple[str, bool]]:
    """(path template, wants a tablet) for every GET route the app serves."""
    found = []
    for handler in ROUTES:
        if "GET" in handler.http_methods:
            found.extend((path, bool(handler.opt.get(DEVICE_KEY))) for path in handler.paths)
    return sorted(found)


def _fill(path: str, known: dict[str, str], int_value: str | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if kind == "int":
            return int_value or known.get(name, "1")
        return known.get(name, "000001-receipt.png")

    return PARAM.sub(value, path)


def _status(client: httpx.Client, url: str) -> int:
    # Streams (the tablet's server-sent events) never end: the status line is what counts.
    with client.stream("GET", url) as response:
        if "text/event-stream" not in response.headers.get("content-type", ""):
            response.read()
        return response.status_code


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root: Path = tmp_path_factory.mktemp("crawl")
    with running_demo(root / "shop") as running:
        yield running


def _sale(demo: Demo, tablet: httpx.Client) -> str:
    """One real sale with its boleta, so the receipt routes have something to show."""
    turno = tablet.get("/caja/turno").text
    if "Abrir" in turno:
        tablet.post("/caja/turno/abrir", data={"opening_float": "10000", "_csrf_token": csrf(turno)})
    token = csrf(tablet.get("/caja").text)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    hits = tablet.get("/caja/buscar", params={"q": "leche"}).text
    product = re.search(r'data-product-id="(\d+)"', hits) or re.search(r'name="product_id" value="(\d+)"', hits)
    assert product, hits[:1000]
    cart = tablet.post("/caja/agregar", data={"product_id": product.group(1), "quantity": "1"}, headers=headers)
    assert cart.status_code == 200, cart.text[:500]
    paid = tablet.post("/caja/pagar", data={"debito": str(cart.json()["total"]), "debito_ref": "1"}, headers=headers)
    assert paid.status_code == 200, paid.text[:500]
    return str(paid.json()["sale_id"])


def test_every_get_route_as_every_role_answers_without_a_server_error(demo: Demo) -> None:
    admin = password_login(demo, "admin", "demo-admin")
    people = {
        "anónimo": demo.client(),
        "admin": admin,
        "supervisor": password_login(demo, "supervisor", "demo-super"),
        "cajero": password_login(demo, "cajero", "demo-cajero"),
        "dueña": password_login(demo, "duena", "demo-duena"),
        "tablet sin cajero": paired_tablet(demo, admin),
    }
    for name, full_name, pin in (
        ("tablet cajero", "Carla Cajera", "1234"),
        ("tablet supervisor", "Sergio Supervisor", "4321"),
    ):
        tablet = paired_tablet(demo, admin)
        pin_login(tablet, full_name, pin)
        people[name] = tablet
    known = {"sale_id": _sale(demo, people["tablet cajero"])}

    failures, walked = [], 0
    for path, _on_tablet in get_paths():
        urls = [_fill(path, known)]
        if "{" in path and ":int}" in path:
            urls += [_fill(path, known, missing) for missing in MISSING_IDS]
        for who, client in people.items():
            for url in urls:
                status = _status(client, url)
                walked += 1
                if status >= 500:
                    failures.append(f"{who}: GET {url[:80]} → {status}")
    assert walked > 300
    assert not failures, "\n".join(failures)
    log = demo.log()
    assert "unhandled error" not in log and "Traceback" not in log, log[-5000:]
