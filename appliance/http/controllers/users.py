"""User screens (administrators only): the list of people who use the box, creating them, and changing role or password.

Passwords typed into these forms are never written back into the page, not even when the form comes back with errors.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog.draft import FormErrors
from appliance.db.models import User
from appliance.http.auth import session_token
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, allow
from appliance.pos import pins
from appliance.users import service as users


def _without_password(data: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in data.items() if k not in ("password", "pin")}


def _form(
    request: Request[Any, Any, Any],
    account: User | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    return page(request, "users/form.html", status_code=status_code, account=account, values=values, errors=errors)


@get("/usuarios", opt=allow(ADMIN), name="users")
async def user_list(request: Request[Any, Any, Any]) -> Template:
    async with db(request).read() as session:
        accounts = await users.list_all(session)
    return page(request, "users/list.html", accounts=accounts)


@get("/usuarios/nuevo", opt=allow(ADMIN), name="user_new")
async def user_new(request: Request[Any, Any, Any]) -> Template:
    return _form(request, None, {"role": "cajero"}, {})


@post("/usuarios/nuevo", opt=allow(ADMIN))
async def user_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            account = await users.create(
                session,
                username=data.text("username", max_len=40, label="usuario"),
                full_name=data.text("full_name", max_len=80, label="nombre"),
                role=data.text("role", max_len=20, label="rol"),
                password=data.text("password", max_len=200, label="contraseña"),
                actor_id=request.user.id,
            )
            await _set_pin(session, account.id, data.text("pin", max_len=12), request.user.id)
    except FormErrors as exc:
        return _form(request, None, _without_password(data), exc.fields, status_code=400)
    flash(request, f"Usuario «{account.username}» creado.")
    return redirect("/usuarios")


async def _set_pin(session: AsyncSession, user_id: int, pin: str, actor_id: int) -> None:
    """The tablet PIN is optional; when typed, it is checked like any other field."""
    if not pin.strip():
        return
    try:
        await pins.set_pin(session, user_id, pin.strip(), actor_id=actor_id)
    except pins.PinError as exc:
        raise FormErrors({"pin": exc.message}) from exc


async def _load(request: Request[Any, Any, Any], user_id: int) -> User:
    async with db(request).read() as session:
        account = await session.get(User, user_id)
    if account is None:
        raise NotFoundException()
    return account


@get("/usuarios/{user_id:int}", opt=allow(ADMIN), name="user_edit")
async def user_edit(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template:
    account = await _load(request, user_id)
    values = {"full_name": account.full_name, "role": account.role, "active": "on" if account.active else ""}
    return _form(request, account, values, {})


@post("/usuarios/{user_id:int}", opt=allow(ADMIN))
async def user_update(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template | Redirect:
    data = await form_data(request)
    existing = await _load(request, user_id)
    me = request.user.id
    try:
        async with db(request).write() as session:
            account = await users.update(
                session,
                user_id,
                full_name=data.text("full_name", max_len=80, label="nombre"),
                role=data.text("role", max_len=20, label="rol"),
                active=data.get("active") == "on",
                password=data.text("password", max_len=200, label="contraseña") or None,
                actor_id=me,
                keep_session=session_token(request) if user_id == me else None,
            )
            await _set_pin(session, account.id, data.text("pin", max_len=12), me)
    except FormErrors as exc:
        errors = dict(exc.fields)
        if user_id == me and "role" in errors and data.get("role") == existing.role:
            errors["active"] = errors.pop("role")  # the role is untouched: it is the "Activo" box that was refused
        return _form(request, existing, _without_password(data), errors, status_code=400)
    flash(request, f"Cambios de «{account.username}» guardados.")
    return redirect("/usuarios")


ROUTES = [user_list, user_new, user_create, user_edit, user_update]
