"""The benchmark's simulated tablet on the wire: one keep-alive HTTP/1.1 connection, nothing more.

On the box the tablets are other devices; in the benchmark they share the box's two cores with the server. httpx
spends a few milliseconds of Python per request on this class of CPU (its models, cookie jar and transports), which
both took CPU from the server and sat inside every measured latency. This client writes the request and reads the
status, the headers it needs and the body, so what the benchmark times is the server's answer.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode


class WireError(Exception):
    pass


class Tablet:
    def __init__(self, host: str, port: int, cookies: dict[str, str], headers: dict[str, str]) -> None:
        self._host, self._port = host, port
        # The cookies from signing in stay valid: the session cookie the server sends again on each answer is the
        # same session re-sealed.
        fixed = {"Host": f"{host}:{port}", "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **headers}
        self._head = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
            self._reader = self._writer = None

    async def get(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        return await self._call("GET", f"{path}?{urlencode(params)}", b"")

    async def post(self, path: str, form: dict[str, str]) -> tuple[int, bytes]:
        return await self._call("POST", path, urlencode(form).encode())

    async def _call(self, method: str, target: str, body: bytes) -> tuple[int, bytes]:
        request = f"{method} {target} HTTP/1.1\r\n{self._head}"
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

    async def _response(self, reader: asyncio.StreamReader, status_line: bytes) -> tuple[int, bytes]:
        status = int(status_line.split()[1])
        length, chunked, closing = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            match name.strip().lower():
                case "content-length":
                    length = int(value)
                case "transfer-encoding":
                    chunked = "chunked" in value.lower()
                case "connection":
                    closing = "close" in value.lower()
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
        return status, body
