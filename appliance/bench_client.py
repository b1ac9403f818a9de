"""The benchmark's simulated clients on the wire: one keep-alive HTTP/1.1 connection each, nothing more.

On the box the tablets are other devices; in the benchmark they share the box's two cores with the server. httpx
spends a few milliseconds of Python per request on this class of CPU (its models, cookie jar and transports), which
both took CPU from the server and sat inside every measured latency. This client writes the request and reads the
status, the headers it needs and the body, so what the benchmark times is the server's answer.

`python -m appliance.bench_client --port P --clients N` is the login flood (`minimarket bench --login-flood N`): N
clients that post wrong passwords to `/login` as fast as the server answers, in a process of their own so their CPU
is not spent inside the tablets' event loop. It only ever connects to 127.0.0.1. It fetches each client's form, says
`listo` on standard output, floods from `go` on standard input until `stop` (or the end of its input, or its own time
limit), then prints one JSON object: the answers counted by status code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import string
import sys
import time
from collections import Counter
from urllib.parse import urlencode

LOOPBACK = "127.0.0.1"
_CSRF_INPUT = re.compile(rb'name="_csrf_token" value="([^"]+)"')


class WireError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection: a request out, (status, Set-Cookie values, body) back."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            writer, self._reader, self._writer = self._writer, None, None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def call(self, method: str, target: str, head: str, body: bytes) -> tuple[int, list[str], bytes]:
        """`head` is the request's own header lines ("Name: value\\r\\n" each), besides Host and Content-*."""
        request = f"{method} {target} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n{head}"
        if method == "POST":
            request += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        data = (request + "\r\n").encode("latin-1") + body
        for _ in range(2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
            assert self._reader is not None
            self._writer.write(data)
            status_line = await self._reader.readline()
            if status_line:
                return await self._response(self._reader, status_line)
            await self.close()  # the server closed an idle keep-alive connection: once more on a new one
        raise WireError(f"{method} {target}: the server closed the connection")

    async def _response(self, reader: asyncio.StreamReader, status_line: bytes) -> tuple[int, list[str], bytes]:
        status = int(status_line.split()[1])
        length, chunked, closing = 0, False, False
        cookies: list[str] = []
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            match name.strip().lower():
                case "content-length":
                    length = int(value)
                case "transfer-encoding":
                    chunked = "chunked" in value.lower()
                case "connection":
                    closing = "close" in value.lower()
                case "set-cookie":
                    cookies.append(value.strip())
        if chunked:
            parts = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readline()
            await reader.readline()
            body = b"".join(parts)
        else:
            body = await reader.readexactly(length)
        if closing:
            await self.close()
        return status, cookies, body


class Tablet:
    """A signed-in tablet: the same cookies and headers on every request."""

    def __init__(self, host: str, port: int, cookies: dict[str, str], headers: dict[str, str]) -> None:
        self._connection = Connection(host, port)
        # The cookies from signing in stay valid: the session cookie the server sends again on each answer is the
        # same session re-sealed.
        fixed = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **headers}
        self._head = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())

    async def close(self) -> None:
        await self._connection.close()

    async def get(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        status, _cookies, body = await self._connection.call("GET", f"{path}?{urlencode(params)}", self._head, b"")
        return status, body

    async def post(self, path: str, form: dict[str, str]) -> tuple[int, bytes]:
        status, _cookies, body = await self._connection.call("POST", path, self._head, urlencode(form).encode())
        return status, body


def _keep_cookies(jar: dict[str, str], set_cookies: list[str]) -> None:
    """What a browser's cookie jar does with the answer's Set-Cookie headers, as far as one site needs."""
    for header in set_cookies:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        attrs = attributes.lower().replace(" ", "")
        if not value or value == '""' or "max-age=0" in attrs or "expires=thu,01jan1970" in attrs:
            jar.pop(name, None)
        else:
            jar[name] = value


class LoginFlooder:
    """One client guessing the administrator's password: its form once, then wrong passwords, one after another."""

    def __init__(self, port: int, counts: Counter[str], seed: int, username: str = "admin") -> None:
        self._connection = Connection(LOOPBACK, port)
        self._counts, self._username = counts, username
        self._rng = random.Random(seed)
        self._cookies: dict[str, str] = {}
        self._token: str | None = None

    def _head(self) -> str:
        return f"Cookie: {'; '.join(f'{k}={v}' for k, v in self._cookies.items())}\r\n" if self._cookies else ""

    async def fetch_form(self) -> None:
        status, set_cookies, body = await self._connection.call("GET", "/login", self._head(), b"")
        _keep_cookies(self._cookies, set_cookies)
        found = _CSRF_INPUT.search(body)
        if status != 200 or found is None:
            raise WireError(f"GET /login: {status}, without the login form")
        self._token = found.group(1).decode()

    async def flood(self) -> None:
        """Until cancelled. Only answers received count; one cut off by the end of the phase does not."""
        letters = string.ascii_letters + string.digits
        while True:
            try:
                if self._token is None:
                    await self.fetch_form()
                    continue
                password = "".join(self._rng.choices(letters, k=12))
                form = urlencode({"username": self._username, "password": password, "_csrf_token": self._token})
                status, set_cookies, _body = await self._connection.call("POST", "/login", self._head(), form.encode())
            except (OSError, WireError, asyncio.IncompleteReadError, ValueError, IndexError):
                self._counts["error"] += 1
                await self._connection.close()
                await asyncio.sleep(0.05)  # a refused or reset connection: not a busy loop against a closed port
                continue
            self._counts[str(status)] += 1
            _keep_cookies(self._cookies, set_cookies)
            if status == 403:
                self._token = None  # the form expired (or its token was refused): fetch it again, as a browser would

    async def close(self) -> None:
        await self._connection.close()


async def _commands() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def _until(reader: asyncio.StreamReader, word: bytes) -> bool:
    """Until `word` arrives on its own line (True), or the input ends (False: the bench that started us is gone)."""
    while line := await reader.readline():
        if line.strip() == word:
            return True
    return False


async def flood_main(port: int, clients: int, limit: float) -> dict[str, object]:
    counts: Counter[str] = Counter()
    flooders = [LoginFlooder(port, counts, seed=n) for n in range(clients)]
    commands = await _commands()
    try:
        await asyncio.gather(*(f.fetch_form() for f in flooders))
        print("listo", flush=True)
        if not await asyncio.wait_for(_until(commands, b"go"), timeout=limit):
            return {"clients": clients, "seconds": 0.0, "requests": {}, "requests_per_second": 0.0}
        started = time.perf_counter()
        tasks = [asyncio.create_task(f.flood()) for f in flooders]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_until(commands, b"stop"), timeout=limit)
        seconds = time.perf_counter() - started
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for f in flooders:
            await f.close()
    answered = sum(n for status, n in counts.items() if status != "error")
    return {
        "clients": clients,
        "seconds": round(seconds, 1),
        "requests": dict(sorted(counts.items())),
        "requests_per_second": round(answered / seconds, 1) if seconds else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appliance.bench_client", description="la inundación de /login")
    parser.add_argument("--port", type=int, required=True, help="el puerto del servidor en 127.0.0.1")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--limit", type=float, default=600.0, help="segundos máximos de espera y de inundación")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(flood_main(args.port, args.clients, args.limit))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
