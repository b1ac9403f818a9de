"""Login sessions: an encrypted, HttpOnly, SameSite cookie holding the user id, checked against the database each time.

The cookie also carries a stamp derived from the password hash, so changing a password (or deactivating the user)
ends every other session of that user at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.security.session_auth import SessionAuth

from appliance.db.engine import Database
from appliance.db.models import Device, Lane, Role, User
from appliance.http.auth_cache import AuthCache, generation
from appliance.http.policy import DEVICE_KEY, PUBLIC_KEY, ROLES_KEY
from appliance.pos import pairing


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    full_name: str
    role: Role

    @property
    def can_edit(self) -> bool:
        return self.role == Role.ADMINISTRADOR


def session_stamp(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.active}".encode()).hexdigest()[:16]


def login_session(user: User, *, device_id: int | None = None) -> dict[str, Any]:
    session: dict[str, Any] = {"uid": user.id, "stamp": session_stamp(user)}
    if device_id is not None:
        session["device"] = device_id  # a PIN sign-in is valid only on the tablet it was made on
    return session


@dataclass(frozen=True)
class _KnownUser:
    user: CurrentUser
    active: bool
    stamp: str


def _cache(connection: ASGIConnection[Any, Any, Any, Any]) -> AuthCache:
    cache: AuthCache = connection.app.state.auth_cache
    return cache


async def _known_user(connection: ASGIConnection[Any, Any, Any, Any], uid: int) -> _KnownUser | None:
    cache = _cache(connection)
    known: _KnownUser | None = cache.get(("user", uid))
    if known is None:
        db: Database = connection.app.state.db
        read_at = generation()
        async with db.read() as s:
            user = await s.get(User, uid)
        if user is None:
            return None
        current = CurrentUser(id=user.id, username=user.username, full_name=user.full_name, role=Role(user.role))
        known = _KnownUser(current, user.active, session_stamp(user))
        cache.put(("user", uid), known, read_at)
    return known


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    known = await _known_user(connection, uid)
    if known is None or not known.active or session.get("stamp") != known.stamp:
        return None
    if "device" in session:
        # A PIN session is bound to its tablet: copied to another browser it is worthless.
        device, _lane = await _load_device(connection)
        if device is None or device.id != session["device"]:
            return None
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


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: the route's declared roles, or nobody; and a paired tablet where the route wants one."""
    if handler.opt.get(PUBLIC_KEY):
        if handler.opt.get(DEVICE_KEY):
            await _require_device(connection)
        return
    roles = handler.opt.get(ROLES_KEY)
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException("Inicie sesión para continuar.")
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
