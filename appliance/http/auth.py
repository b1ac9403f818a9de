"""Login sessions: an encrypted, HttpOnly, SameSite cookie holding the user id, checked against the database each time.

The cookie also carries a stamp derived from the password hash, so changing a password (or deactivating the user)
ends every other session of that user at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.security.session_auth import SessionAuth

from appliance.db.engine import Database
from appliance.db.models import Role, User
from appliance.http.policy import PUBLIC_KEY, ROLES_KEY


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


def login_session(user: User) -> dict[str, Any]:
    return {"uid": user.id, "stamp": session_stamp(user)}


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    db: Database = connection.app.state.db
    async with db.read() as s:
        user = await s.get(User, uid)
    if user is None or not user.active or session.get("stamp") != session_stamp(user):
        return None
    return CurrentUser(id=user.id, username=user.username, full_name=user.full_name, role=Role(user.role))


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: the route's declared roles, or nobody."""
    if handler.opt.get(PUBLIC_KEY):
        return
    roles = handler.opt.get(ROLES_KEY)
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException("Inicie sesión para continuar.")
    if not roles or user.role not in roles:
        raise PermissionDeniedException("Su usuario no tiene permiso para esta pantalla.")


def session_auth(secret: bytes, max_age: int) -> SessionAuth[CurrentUser, ClientSideSessionBackend]:
    return SessionAuth[CurrentUser, ClientSideSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=CookieBackendConfig(
            secret=secret, key="mm_session", max_age=max_age, httponly=True, samesite="lax"
        ),
        exclude=["^/static/", "^/login", "^/salud$"],
        exclude_opt_key=PUBLIC_KEY,
    )
