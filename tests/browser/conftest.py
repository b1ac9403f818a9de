"""Browser fixtures: the real app under uvicorn on 127.0.0.1, and Debian's Chromium driven by Playwright.

Nothing here downloads a browser: Playwright is pointed at /usr/bin/chromium, and a missing Chromium fails the test
(it is a dependency of the test suite, installed by the README's test command), it does not skip it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
import uvicorn
from litestar import Litestar
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.app import create_app
from appliance.cash import sessions as cash
from appliance.core.clock import CHILE_TZ
from appliance.db.models import Lane
from appliance.http.protocol import GuardedHttpProtocol
from appliance.pos import pairing
from appliance.sales import compliance
from tests.support import make_shop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A 10" tablet in landscape, roughly.
VIEWPORT = {"width": 1280, "height": 800}
STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 10.0
# Playwright's own waits: long enough for a slow Pi or CI box, short enough that a broken page fails quickly.
ACTION_TIMEOUT_MS = 10_000


@contextmanager
def serving(build: Callable[[], Litestar]) -> Iterator[str]:
    """Serve the app that `build` makes on 127.0.0.1 and a free port; yields the base URL.

    The socket is bound here (port 0, loopback only) and handed to uvicorn, so there is no race for the port.
    uvicorn runs in a background thread; it installs no signal handlers off the main thread. On exit the server is
    told to stop and the thread is joined with a timeout.
    """
    # Playwright's sync API keeps an event loop running in this thread once Chromium is up, and building a shop uses
    # asyncio.run(): build the shop and the app in a worker thread so the fixtures' order does not matter.
    with ThreadPoolExecutor(max_workers=1) as worker:
        app = worker.submit(build).result()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        log_config=None,  # leave the test process's logging (and pytest's capture) alone
        timeout_graceful_shutdown=2,  # open event streams (SSE) must not hold the shutdown
        http=GuardedHttpProtocol,  # the box's own connection handling (appliance/http/protocol.py)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the app server stopped while starting (see the captured log above)")
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not start within {STARTUP_TIMEOUT:.0f} s")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(SHUTDOWN_TIMEOUT)
        sock.close()
        if thread.is_alive():
            pytest.fail(f"the app server did not stop within {2 * SHUTDOWN_TIMEOUT:.0f} s")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """A freshly migrated shop (a user per role) served by the real app."""
    with serving(lambda: create_app(make_shop(tmp_path / "shop"))) as url:
        yield url


@pytest.fixture(scope="module")  # stopped before other modules: its loop must not outlive them
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once for the browser tests."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. The browser tests drive Debian's Chromium; install it "
            "(sudo apt-get install chromium) as the README's test command does. Playwright must not download one."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server: tablet-sized, Chilean Spanish.

    Depending on `live_server` makes the browser side close before the server is asked to stop, and lets tests
    write `page.goto("/productos")`. Uncaught JavaScript errors on any page fail the test.
    """
    context = browser.new_context(viewport=VIEWPORT, locale="es-CL", base_url=live_server)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    tab = context.new_page()
    js_errors: list[str] = []
    tab.on("pageerror", lambda error: js_errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    if js_errors:
        pytest.fail("JavaScript errors in the page:\n" + "\n".join(js_errors))


async def open_lane_out_of_alcohol_hours(s: AsyncSession, lane: Lane, *, now: datetime) -> str:
    """Alcohol hours that are closed right now (whenever the test runs), the lane's turno open with the cashier
    ("caja", user 3), and a tablet paired to it: returns the tablet's device token."""
    local = now.astimezone(CHILE_TZ)
    start = (local + timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(minutes=6)).time().replace(second=0, microsecond=0)
    await compliance.save(s, compliance.AlcoholRules(start, end if end != start else clock_time(23, 59)))
    await cash.open_session(s, lane.id, user_id=3, opening_float=20_000, now=now)
    _device, token = await pairing.pair(
        s, await pairing.create_code(s, lane.id, user_id=1, now=now), "Tablet caja 1", now=now
    )
    return token
