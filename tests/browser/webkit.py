"""WebKit, Safari's engine, for the tablet screens: Debian's WebKitGTK MiniBrowser driven by WebKitWebDriver.

iPads run Safari; Playwright's own WebKit would have to be downloaded, and nothing may be. Debian ships WebKitGTK
with a W3C WebDriver (package webkit2gtk-driver), which needs a display: a private Xvfb. Both bind nothing but
loopback and a local display, and both are stopped when the fixture ends. The client below speaks the few W3C
WebDriver commands the tests use, over httpx.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

DRIVER = "WebKitWebDriver"
MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
ENTER = "\ue007"


class WebKitError(AssertionError):
    pass


class Element:
    def __init__(self, session: Session, ref: str) -> None:
        self.session, self.ref = session, ref

    def click(self) -> None:
        self.session.call("POST", f"/element/{self.ref}/click", {})

    def type(self, text: str) -> None:
        self.session.call("POST", f"/element/{self.ref}/value", {"text": text})

    @property
    def text(self) -> str:
        return str(self.session.call("GET", f"/element/{self.ref}/text"))


class Session:
    def __init__(self, client: httpx.Client, session_id: str) -> None:
        self.client, self.id = client, session_id

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.request(method, f"/session/{self.id}{path}", json=body)
        value = response.json().get("value")
        if response.status_code >= 400:
            raise WebKitError(f"{method} {path}: {value}")
        return value

    def go(self, url: str) -> None:
        self.call("POST", "/url", {"url": url})

    def add_cookie(self, name: str, value: str) -> None:
        self.call("POST", "/cookie", {"cookie": {"name": name, "value": value, "path": "/"}})

    def find(self, css: str) -> Element:
        found = self.call("POST", "/element", {"using": "css selector", "value": css})
        return Element(self, found[ELEMENT])

    def script(self, source: str, *args: Any) -> Any:
        return self.call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def wait_for(self, source: str, *args: Any, timeout: float = 10.0) -> Any:
        """Poll a JavaScript expression (a function body that returns) until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.script(source, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise WebKitError(f"timed out waiting for: {source} {args}")
            time.sleep(0.1)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("GET", "/screenshot")))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def webkit(width: int = 1280, height: int = 800) -> Iterator[Session]:
    """A MiniBrowser window of `width`×`height` on a private Xvfb, driven over WebDriver."""
    for tool in (DRIVER, "Xvfb"):
        if shutil.which(tool) is None:
            raise WebKitError(f"{tool} is missing: install webkit2gtk-driver and xvfb (the README's test command does)")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height + 100}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        port = _free_port()
        env = {**os.environ, "DISPLAY": f":{display}"}
        driver = subprocess.Popen(
            [DRIVER, f"--port={port}", "--host=127.0.0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            deadline = time.monotonic() + 15
            while True:
                try:
                    client.get("/status")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            options = {"binary": str(MINIBROWSER), "args": ["--automation"]}
            created = client.post(
                "/session", json={"capabilities": {"alwaysMatch": {"webkitgtk:browserOptions": options}}}
            )
            session = Session(client, created.json()["value"]["sessionId"])
            try:
                session.call("POST", "/window/rect", {"width": width, "height": height, "x": 0, "y": 0})
                yield session
            finally:
                client.delete(f"/session/{session.id}")
                client.close()
        finally:
            _stop(driver)
    finally:
        _stop(xvfb)
