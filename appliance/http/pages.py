"""Small helpers every screen uses: render a page with the common context, read a form, flash a message."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from appliance.db.engine import Database
from appliance.http.inputs import Inputs
from appliance.http.inputs import form as checked_form

# Flash messages live in the session cookie: a message that quotes what someone typed must not grow it past a cookie.
FLASH_MAX = 300


def db(request: Request[Any, Any, Any]) -> Database:
    database: Database = request.app.state.db
    return database


def is_fragment(request: Request[Any, Any, Any]) -> bool:
    """The same URL answers with the whole page, or just the part a script asked for."""
    return request.headers.get("x-fragment") == "1" or request.query_params.get("fragment") == "1"


def flash(request: Request[Any, Any, Any], message: str, kind: str = "ok") -> None:
    messages = list(request.session.get("flash", []))
    if len(message) > FLASH_MAX:
        message = message[: FLASH_MAX - 1] + "…"
    messages.append([kind, message])
    request.session["flash"] = messages[-5:]


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    messages = request.session.pop("flash", []) if request.scope.get("session") else []
    return Template(
        template_name=template,
        context={"user": request.scope.get("user"), "messages": messages, "path": request.url.path, **context},
        status_code=status_code,
    )


async def form_data(request: Request[Any, Any, Any]) -> Inputs:
    """The submitted form as checked plain strings (inputs.py); for repeated keys the last one wins."""
    return await checked_form(request)


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)
