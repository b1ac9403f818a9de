"""The real `minimarket demo` in a subprocess on 127.0.0.1 — the wiring a newcomer gets: devices, the SII queue
and its simulator, Litestream and the backup monitor — and browsers signed in to it the way people sign in."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
START_TIMEOUT = 180.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def csrf(html: str) -> str:
    found = CSRF_RE.search(html) or META_RE.search(html)
    assert found, f"page has no CSRF token: {html[:300]}"
    return found.group(1)


@dataclass
class Demo:
    base: str
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, follow_redirects=False)


@contextmanager
def running_demo(data_dir: Path, *extra: str) -> Iterator[Demo]:
    """`minimarket demo` until the block ends; its output (the log, with any traceback) in data_dir/../demo.log."""
    port = free_port()
    log_path = data_dir.parent / f"demo-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMARKET_")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "appliance", "demo"),
                *("--data-dir", str(data_dir)),
                *("--host", "127.0.0.1"),
                *("--port", str(port)),
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    demo = Demo(f"http://127.0.0.1:{port}", data_dir, log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"the demo exited:\n{demo.log()[-3000:]}"
            try:
                if httpx.get(f"{demo.base}/salud", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the demo did not answer in time:\n{demo.log()[-3000:]}"
            time.sleep(0.2)
        yield demo
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def password_login(demo: Demo, username: str, password: str) -> httpx.Client:
    client = demo.client()
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "_csrf_token": token})
    assert response.status_code == 303, response.text[:500]
    return client


def paired_tablet(demo: Demo, admin: httpx.Client, lane_id: int = 1) -> httpx.Client:
    """A new browser paired to the lane by the administrator's one-time code."""
    page = admin.post(f"/ajustes/cajas/{lane_id}/codigo", data={"_csrf_token": csrf(admin.get("/ajustes/cajas").text)})
    code = re.search(r"codigo=(\d{8})", page.text)
    assert code, page.text[:500]
    tablet = demo.client()
    form = tablet.get(f"/emparejar?codigo={code.group(1)}")
    response = tablet.post("/emparejar", data={"code": code.group(1), "name": "Tablet", "_csrf_token": csrf(form.text)})
    assert response.status_code == 303, response.text[:500]
    return tablet


def pin_login(tablet: httpx.Client, full_name: str, pin: str) -> None:
    page = tablet.get("/caja/pin").text
    user = re.search(rf'value="(\d+)"[^>]*>\s*<span>{re.escape(full_name)}', page)
    assert user, page[:1000]
    response = tablet.post("/caja/pin", data={"user_id": user.group(1), "pin": pin, "_csrf_token": csrf(page)})
    assert response.status_code == 303 and response.headers["location"] == "/caja", response.text[:500]
