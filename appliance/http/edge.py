"""The outermost layer of every HTTP exchange, 404s and static files included: a request id, the security headers,
HEAD answered wherever GET is, and a last net for an error that escaped everything else.

It wraps Litestar's own handler (routing and its exception handling) rather than sitting in the middleware list,
which Litestar runs only for requests that matched a route.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("appliance.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = b"x-request-id"
# No inline script anywhere (scripts are files under /static); inline style attributes are allowed. The receipt's
# timbre is inline SVG markup, not an image, so img-src needs no more than 'self' and data: URIs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
NO_STORE = (b"cache-control", b"no-store")
# Whatever the app was doing, these are the interpreter's own signals, not errors of a request.
_NOT_ERRORS = (asyncio.CancelledError, KeyboardInterrupt, SystemExit, GeneratorExit)

INTERNAL_ERROR_TEXT = "Ocurrió un error inesperado en la caja. Ya quedó registrado; intente de nuevo en un momento."


def new_request_id() -> str:
    return secrets.token_hex(6)


def request_id(scope: Any) -> str:
    """The id given to this request (shown on error pages, written next to its traceback in the log)."""
    state = scope.setdefault("state", {})
    rid = state.get("request_id")
    if not isinstance(rid, str):
        rid = state["request_id"] = new_request_id()
    return rid


def _fallback_page(rid: str, wants_json: bool) -> tuple[bytes, bytes]:
    if wants_json:
        body = f'{{"error": "internal_error", "message": "{INTERNAL_ERROR_TEXT}", "request_id": "{rid}"}}'
        return body.encode(), b"application/json"
    html = (
        '<!doctype html><html lang="es-CL"><head><meta charset="utf-8"><title>Error interno</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main class="card"><h1>Error interno</h1>'
        f"<p>{INTERNAL_ERROR_TEXT}</p><p>Código del error: <code>{rid}</code></p>"
        '<p><a href="/">Volver al inicio</a></p></main></body></html>'
    )
    return html.encode(), b"text/html; charset=utf-8"


class Edge:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        head = scope.get("method") == "HEAD"
        static = str(scope.get("path", "")).startswith("/static/")
        if head:
            # Routed as the GET it stands for; only the headers go out. A copy: the server keeps its own scope's HEAD.
            scope = {**scope, "method": "GET"}
        started = False
        finished = False

        async def edge_send(message: Message) -> None:
            nonlocal started, finished
            if finished:
                return  # a HEAD answer is complete: the body (even a stream's) goes nowhere, and the stream ends
                # when the server reports the client gone, as it does once a response is complete
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if b"cache-control" not in present and not static:
                    headers.append(NO_STORE)  # pages name customers, sales, users: no copy in any cache
                headers.append((REQUEST_ID_HEADER, rid.encode()))
                message["headers"] = headers
                await send(message)
                if head:
                    finished = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        try:
            await self.app(scope, receive, edge_send)
        except _NOT_ERRORS:
            raise
        except BaseException:  # an error no handler took, e.g. a Rust panic from a library (a BaseException)
            log.exception("unhandled error on %s %s [request %s]", scope.get("method"), scope.get("path"), rid)
            if started:
                return  # the answer is half-sent: the client sees a cut connection, the log has the cause
            headers = dict(scope.get("headers", []))
            accept = headers.get(b"accept", b"").decode("latin-1")
            wants_json = str(scope.get("path", "")).startswith("/api/") or "application/json" in accept
            body, content_type = _fallback_page(rid, wants_json)
            await edge_send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
                }
            )
            await edge_send({"type": "http.response.body", "body": body, "more_body": False})
