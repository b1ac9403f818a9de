"""Logging in and out of the back office, the home page, and the health probe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import text

from appliance.http.auth import client_address, session_token, sign_in
from appliance.http.pages import db, form_data, page, redirect
from appliance.http.policy import ANY_STAFF, PUBLIC, allow
from appliance.users import service as users
from appliance.users import sessions
from appliance.users.throttle import Guards, wait_text


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a link send the owner elsewhere after login. Anything odd
    # (too long, control bytes, a backslash some browsers read as a slash) just leads home.
    if (
        target
        and len(target) <= 2000
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return "/"


@get("/login", opt=PUBLIC, name="login")
async def login_form(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
    return page(request, "login.html", next=_safe_next(next), error=None, username="")


def _guards(request: Request[Any, Any, Any]) -> Guards:
    guards: Guards = request.app.state.guards
    return guards


@post("/login", opt=PUBLIC)
async def login(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The password is compared off the event loop and outside any transaction (users/service.py), and only while
    neither this address nor this username is waiting out the delays that wrong passwords earn (users/throttle.py)."""
    data = await form_data(request)
    username = data.text("username", max_len=40, label="usuario")
    password = data.text("password", max_len=200, label="contraseña")
    target = _safe_next(data.get("next"))
    guards, address, name = _guards(request), client_address(request), username.strip().lower()
    if (wait := await guards.claim_login(address, name)) > 0:
        return page(
            request,
            "login.html",
            status_code=429,
            next=target,
            error=f"Demasiados intentos fallidos. Espere {wait_text(wait)} y vuelva a intentar.",
            username=username,
        )
    async with db(request).read() as session:
        candidate = await users.login_candidate(session, username)
    matched = await users.check_password(candidate.password_hash if candidate else None, password)
    user = None
    if matched and candidate is not None:
        previous = session_token(request)
        async with db(request).write() as session:
            user = await users.record_login(session, candidate, now=datetime.now(UTC))
            if user is not None:
                if previous is not None:  # whoever was signed in on this browser is signed out, on the box too
                    await sessions.end(session, previous, now=datetime.now(UTC))
                request.set_session(
                    await sign_in(session, request, user, lifetime=request.app.state.settings.session_max_age)
                )
    if user is None:  # the try was already counted when it claimed its turn
        return page(
            request,
            "login.html",
            status_code=401,
            next=target,
            error="Usuario o contraseña incorrectos.",
            username=username,
        )
    guards.login_succeeded(address, name)
    return redirect(target)


async def end_session(request: Request[Any, Any, Any]) -> None:
    """Signing out ends the session on the box, not only in this browser: a copy of the cookie stops working."""
    token = session_token(request)
    if token is not None:
        async with db(request).write() as session:
            await sessions.end(session, token, now=datetime.now(UTC))
    request.clear_session()


@post("/logout", opt=allow(ANY_STAFF))
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    await end_session(request)
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
