"""Logging in and out of the back office, the home page, and the health probe."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import text

from appliance.http.auth import login_session
from appliance.http.pages import db, form_data, page, redirect
from appliance.http.policy import ANY_STAFF, PUBLIC, allow
from appliance.users import service as users


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a link send the owner elsewhere after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@get("/login", opt=PUBLIC, name="login")
async def login_form(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
    return page(request, "login.html", next=_safe_next(next), error=None, username="")


@post("/login", opt=PUBLIC)
async def login(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    username = data.get("username", "")
    async with db(request).write() as session:
        user = await users.authenticate(session, username, data.get("password", ""))
        if user is not None:
            request.set_session(login_session(user))
    if user is None:
        return page(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(data.get("next")),
            error="Usuario o contraseña incorrectos.",
            username=username,
        )
    return redirect(_safe_next(data.get("next")))


@post("/logout", opt=allow(ANY_STAFF))
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return redirect("/login")


@get("/", opt=allow(ANY_STAFF), name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    return page(request, "home.html")


@get("/salud", opt=PUBLIC, name="health")
async def health(request: Request[Any, Any, Any]) -> dict[str, str]:
    """For the service manager and the LED: answers when the app and its database answer."""
    async with db(request).read() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}
