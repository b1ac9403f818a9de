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


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    db: Database = connection.app.state.db
    async with db.read() as s:
        user = await s.get(User, uid)
    if user is None or not user.active or session.get("stamp") != session_stamp(user):
        return None
    if "device" in session:
        # A PIN session is bound to its tablet: copied to another browser it is worthless.
        device, _lane = await _load_device(connection)
        if device is None or device.id != session["device"]:
            return None
    return CurrentUser(id=user.id, username=user.username, full_name=user.full_name, role=Role(user.role))


DEVICE_COOKIE = "mm_device"


class UnpairedDevice(PermissionDeniedException):
    """A point-of-sale route opened from a browser that is not a paired tablet."""


async def _load_device(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[Device | None, Lane | None]:
    """The paired tablet behind this request and its lane, looked up once per request."""
    cached = connection.scope.get("state", {}).get("_device_lookup")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    db: Database = connection.app.state.db
    async with db.read() as s:
        device = await pairing.device_for_token(s, connection.cookies.get(DEVICE_COOKIE))
        lane = await s.get(Lane, device.lane_id) if device else None
    connection.scope.setdefault("state", {})["_device_lookup"] = (device, lane)
    return device, lane


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
