"""CSRF tokens bound to who is asking: the signed-in session, else the paired tablet, else the browser's own cookie.

A token is an HMAC of that binding under the app's secret, so a token taken from one session (an attacker's own) is
worthless in another (a victim's), and it changes when someone signs in or out. Forms carry it as `_csrf_token`
(`csrf_input` in the templates), scripts as the `X-CSRFToken` header (`csrf_token()` in a meta tag).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.base import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from appliance.http.auth import DEVICE_COOKIE, SESSION_KEY
from appliance.http.inputs import read_form

COOKIE = "mm_csrf"
HEADER = "x-csrftoken"
FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _no_form_here(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return path == "/salud" or path.startswith("/static/")


class CsrfRefused(PermissionDeniedException):
    """The form's token is missing or belongs to someone else (errors.py answers with a Spanish page)."""


class CsrfMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        # The health probe and static files carry no form and change nothing.
        self.should_bypass_for_scope = _no_form_here

    def _token(self, binding: str) -> str:
        return hmac.new(self.secret, f"csrf|{binding}".encode(), hashlib.sha256).hexdigest()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = Request(scope, receive)
        session = scope.get("session") or {}
        sid = session.get(SESSION_KEY) if isinstance(session, dict) else None
        device = request.cookies.get(DEVICE_COOKIE)
        browser = request.cookies.get(COOKIE)
        new_cookie = None
        if isinstance(sid, str) and sid:
            binding = f"session:{hashlib.sha256(sid.encode()).hexdigest()}"
        elif device:
            binding = f"tablet:{hashlib.sha256(device.encode()).hexdigest()}"
        else:
            if not browser or len(browser) != 64:
                browser = new_cookie = secrets.token_hex(32)
            binding = f"browser:{browser}"
        expected = self._token(binding)
        state = ScopeState.from_scope(scope)
        state.csrf_token = expected
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(HEADER)
            if not sent and request.content_type[0] in FORM_TYPES:
                value = (await read_form(request)).get(FIELD)
                sent = value if isinstance(value, str) else None
            if new_cookie is not None or not sent or not hmac.compare_digest(sent, expected):
                raise CsrfRefused("CSRF token verification failed")
        if new_cookie is None:
            await next_app(scope, receive, send)
            return
        cookie = Cookie(key=COOKIE, value=new_cookie, path="/", httponly=True, samesite="strict").to_header(header="")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie)
            await send(message)

        await next_app(scope, receive, send_with_cookie)
