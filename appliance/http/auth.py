"""Sign-in sessions: an encrypted, HttpOnly, SameSite cookie holding a session token, checked against the box's
own record of sessions (users/sessions.py) on each request, so signing out really ends it.

A PIN session (a cashier on a tablet) is bound to its tablet and reaches only the counter's routes; the back office
needs a password session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.security.session_auth import SessionAuth
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.db.engine import Database
from appliance.db.models import Device, Lane, Role, User
from appliance.http.auth_cache import AuthCache, generation
from appliance.http.inputs import MAX_ID
from appliance.http.policy import DEVICE_KEY, PUBLIC_KEY, ROLES_KEY
from appliance.pos import pairing
from appliance.users import sessions
from appliance.users.sessions import SessionKind

SESSION_KEY = "sid"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    full_name: str
    role: Role
    # How they signed in: "password" (the back office) or "pin" (a counter session on one tablet).
    session_kind: SessionKind = "password"

    @property
    def can_edit(self) -> bool:
        return self.role == Role.ADMINISTRADOR


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else ""


async def sign_in(
    db_session: AsyncSession,
    connection: ASGIConnection[Any, Any, Any, Any],
    user: User,
    *,
    lifetime: int,
    device_id: int | None = None,
) -> dict[str, Any]:
    """Start a session on the box and return what the cookie holds. With `device_id`, a PIN session on that tablet."""
    token = await sessions.start(
        db_session,
        user.id,
        kind="pin" if device_id is not None else "password",
        device_id=device_id,
        now=datetime.now(UTC),
        lifetime=timedelta(seconds=lifetime),
        client=client_address(connection),
    )
    return {SESSION_KEY: token}


def session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    session = connection.scope.get("session")
    token = session.get(SESSION_KEY) if isinstance(session, dict) else None
    return token if isinstance(token, str) and len(token) <= 100 else None


def _cache(connection: ASGIConnection[Any, Any, Any, Any]) -> AuthCache:
    cache: AuthCache = connection.app.state.auth_cache
    return cache


def _db(connection: ASGIConnection[Any, Any, Any, Any]) -> Database:
    db: Database = connection.app.state.db
    return db


@dataclass(frozen=True)
class _KnownUser:
    user: CurrentUser
    active: bool


async def _known_user(connection: ASGIConnection[Any, Any, Any, Any], uid: int) -> _KnownUser | None:
    cache = _cache(connection)
    known: _KnownUser | None = cache.get(("user", uid))
    if known is None:
        read_at = generation()
        async with _db(connection).read() as s:
            user = await s.get(User, uid)
        if user is None:
            return None
        current = CurrentUser(id=user.id, username=user.username, full_name=user.full_name, role=Role(user.role))
        known = _KnownUser(current, user.active)
        cache.put(("user", uid), known, read_at)
    return known


async def _active_session(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> sessions.ActiveSession | None:
    cache = _cache(connection)
    key = ("session", sessions.token_hash(token))
    now = datetime.now(UTC)
    found: sessions.ActiveSession | None = cache.get(key)
    if found is None:
        read_at = generation()
        async with _db(connection).read(quick=True) as s:
            found = await sessions.find(s, token, now=now)
        if found is None:
            return None
        cache.put(key, found, read_at)
    return found if found.expires_at > now else None


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) > 100:
        return None
    active = await _active_session(connection, token)
    if active is None:
        return None
    known = await _known_user(connection, active.user_id)
    if known is None or not known.active:
        return None
    if active.kind == "pin":
        # A PIN session is bound to its tablet: copied to another browser it is worthless.
        device, _lane = await _load_device(connection)
        if device is None or device.id != active.device_id:
            return None
        return replace(known.user, session_kind="pin")
    return known.user


DEVICE_COOKIE = "mm_device"


class UnpairedDevice(PermissionDeniedException):
    """A point-of-sale route opened from a browser that is not a paired tablet."""


async def _load_device(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[Device | None, Lane | None]:
    """The paired tablet behind this request and its lane, looked up once per request."""
    cached = connection.scope.get("state", {}).get("_device_lookup")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = connection.cookies.get(DEVICE_COOKIE)
    key = ("device", pairing.token_key(token)) if token else None
    found: tuple[Device | None, Lane | None] | None = _cache(connection).get(key) if key else None
    if found is None:
        db: Database = connection.app.state.db
        read_at = generation()
        async with db.read() as s:
            device = await pairing.device_for_token(s, token)
            lane = await s.get(Lane, device.lane_id) if device else None
        found = (device, lane)
        if key is not None and device is not None:
            _cache(connection).put(key, found, read_at)  # detached rows, only read from here on
    connection.scope.setdefault("state", {})["_device_lookup"] = found
    return found


async def _require_device(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    db: Database = connection.app.state.db
    now = datetime.now(UTC)
    device, lane = await _load_device(connection)
    if device is None or lane is None or not lane.active:
        raise UnpairedDevice("Esta pantalla es solo para tablets emparejadas a una caja.")
    if pairing.needs_seen_update(device, now):
        async with db.write() as s:
            row = await s.get(Device, device.id)
            if row is not None:
                row.last_seen_at = now
    connection.state.device = device
    connection.state.lane = lane


async def still_signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """For a long-lived answer (the tablet's stream of notices): whether its session and its tablet are still good.
    Signing out, a revoked tablet or a deactivated user end the stream at its next notice or keep-alive."""
    connection.scope.get("state", {}).pop("_device_lookup", None)
    session = connection.scope.get("session")
    user = await retrieve_user(session, connection) if isinstance(session, dict) else None
    if user is None:
        return False
    device, lane = await _load_device(connection)
    return device is not None and lane is not None and lane.active and device.id == connection.state.device.id


def _check_path_ids(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    # An id past SQLite's 64-bit integers cannot name a row (and SQLite refuses to bind it): nothing is there.
    for value in connection.path_params.values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFoundException()


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: the route's declared roles, or nobody; and a paired tablet where the route wants one.

    A PIN session reaches only the counter (routes that want a paired tablet); anything else asks for a password."""
    _check_path_ids(connection)
    if handler.opt.get(PUBLIC_KEY):
        if handler.opt.get(DEVICE_KEY):
            await _require_device(connection)
        return
    roles = handler.opt.get(ROLES_KEY)
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException("Inicie sesión para continuar.")
    if user.session_kind == "pin" and not handler.opt.get(DEVICE_KEY):
        raise NotAuthorizedException("Esta pantalla pide iniciar sesión con usuario y contraseña.")
    if not roles or user.role not in roles:
        raise PermissionDeniedException("Su usuario no tiene permiso para esta pantalla.")
    if handler.opt.get(DEVICE_KEY):
        await _require_device(connection)


def session_auth(secret: bytes, max_age: int) -> SessionAuth[CurrentUser, ClientSideSessionBackend]:
    return SessionAuth[CurrentUser, ClientSideSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=CookieBackendConfig(
            secret=secret, key="mm_session", max_age=max_age, httponly=True, samesite="lax"
        ),
        exclude=["^/static/", "^/login", "^/salud$"],
        exclude_opt_key=PUBLIC_KEY,
    )
