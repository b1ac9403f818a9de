"""HTTP plumbing shared by both channels: one request with the failures mapped to `SiiClientError`s, the SII's
multipart form, Retry-After, and recognising the HTML pages and "Error 500" the SII sometimes answers instead of
XML or JSON (NOTES §3)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from appliance.core.text import is_digits
from appliance.sii.clients.errors import SiiBadAnswer, SiiBusy, SiiUnreachable

# The SII's own example of a client User-Agent (NOTES §2): browser-like, which the boleta API requires, and with the
# "PROG 1.0" token the DTEUpload manual asks of programs, so DTEUpload answers XML instead of an HTML page.
USER_AGENT = "Mozilla/4.0 (compatible; PROG 1.0; Windows NT)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
BUSY_STATUSES = frozenset({405, 429, 503})

_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_EXCERPT = 300


def new_http_client(timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """The client both channels use when none is given: no proxies from the environment, no redirects followed
    (a redirect from the SII is a login page, not an answer)."""
    return httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False)


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Sends one request. Raises `SiiUnreachable` without an answer and `SiiBusy` when told to slow down.

    `what` names the operation in Spanish for the messages ("la subida del envío").
    """
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        response = await client.request(method, url, content=content, headers=all_headers)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        raise SiiUnreachable(
            f"No se pudo conectar con el SII para {what} ({_describe(error)}). Se reintentará cuando haya conexión.",
            maybe_received=False,
        ) from error
    except httpx.TimeoutException as error:
        raise SiiUnreachable(
            f"El SII no respondió a tiempo a {what} ({_describe(error)}).",
            maybe_received=True,
        ) from error
    except httpx.TransportError as error:
        raise SiiUnreachable(
            f"Se cortó la conexión con el SII durante {what} ({_describe(error)}).",
            maybe_received=True,
        ) from error
    if response.status_code in BUSY_STATUSES:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        wait = f" Pide reintentar en {retry_after:.0f} s." if retry_after is not None else ""
        raise SiiBusy(
            f"El SII está ocupado (HTTP {response.status_code}) y no atendió {what}.{wait}",
            retry_after=retry_after,
            http_status=response.status_code,
        )
    return response


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After in seconds: either a number of seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if is_digits(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def excerpt(body: bytes) -> str:
    """A short, one-line, tag-free piece of an answer, for logs and messages."""
    text = body[:4096].decode("latin-1")
    return _SPACES.sub(" ", _TAG.sub(" ", text)).strip()[:_EXCERPT]


def bad_answer(response: httpx.Response, *, what: str, expected: str) -> SiiBadAnswer:
    """The failure for an answer that is not `expected` (an HTML page, "Error 500", a server error…)."""
    body = response.content
    status = response.status_code
    shown = excerpt(body)
    if status >= 500:
        message = f"El SII tuvo un error interno (HTTP {status}) durante {what}; se reintentará más tarde."
    elif looks_like_html(body):
        message = (
            f"El SII respondió una página web en vez de {expected} durante {what}; "
            "el envío no quedó registrado y se reintentará más tarde."
        )
    elif b"error 500" in body[:200].lower():
        message = f"El SII respondió «Error 500» durante {what}; se reintentará más tarde."
    else:
        message = f"El SII respondió algo inesperado durante {what} (HTTP {status}) en vez de {expected}."
    if shown:
        message += f" Respuesta: «{shown[:120]}»."
    retryable = status >= 500 or status < 400 or status == 408
    return SiiBadAnswer(message, http_status=status, excerpt=shown, retryable=retryable)


def multipart_form(
    fields: Sequence[tuple[str, str]], *, file_field: str, filename: str, content: bytes, content_type: str
) -> tuple[bytes, str]:
    """A multipart/form-data body with `fields` in exactly this order, then the file; and its Content-Type.

    Built by hand so that the order and the parts' headers are exactly the SII's (DTEUpload manual, NOTES §2).
    """
    boundary = f"----------------------------{secrets.token_hex(12)}"
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode("latin-1")
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode("latin-1")
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode("latin-1"))
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
