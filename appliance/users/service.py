"""Users, their roles and their passwords (argon2). Authentication answers the same for a wrong user or password."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.db.models import Role, User

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,40}$")
MIN_PASSWORD = 8


@functools.cache
def _dummy_hash() -> str:
    # Verifying against a dummy hash when the user does not exist keeps timing from telling usernames apart.
    # Made on first use: hashing at import would slow every start of the box.
    return _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    user.last_login_at = datetime.now(UTC)
    return user


def _validate(username: str, full_name: str, role: str, password: str | None, *, new: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = "el usuario lleva de 3 a 40 letras minúsculas, números, punto o guion, sin espacios"
    if not full_name.strip():
        errors["full_name"] = "el nombre es obligatorio"
    if role not in {r.value for r in Role}:
        errors["role"] = f"el rol «{role}» no existe"
    if (new or password) and (password is None or len(password) < MIN_PASSWORD):
        errors["password"] = f"la contraseña debe tener al menos {MIN_PASSWORD} caracteres"
    return errors


async def create(
    session: AsyncSession, *, username: str, full_name: str, role: str, password: str, actor_id: int | None
) -> User:
    username = username.strip().lower()
    errors = _validate(username, full_name, role, password, new=True)
    if not errors and await session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = f"el usuario «{username}» ya existe"
    if errors:
        raise FormErrors(errors)
    user = User(username=username, full_name=full_name.strip(), role=role, password_hash=hash_password(password))
    session.add(user)
    await session.flush()
    await audit.record(session, actor_id, "user.create", "user", user.id, {"username": username, "role": role})
    return user


async def update(
    session: AsyncSession,
    user_id: int,
    *,
    full_name: str,
    role: str,
    active: bool,
    password: str | None,
    actor_id: int | None,
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise FormErrors({"user": "el usuario no existe"})
    errors = _validate(user.username, full_name, role, password or None, new=False)
    if user_id == actor_id and (not active or role != user.role):
        errors["role"] = "no puede quitarse a sí mismo el rol ni desactivarse"
    if errors:
        raise FormErrors(errors)
    changes = {k: v for k, v in {"role": role, "active": active}.items() if getattr(user, k) != v}
    user.full_name, user.role, user.active = full_name.strip(), role, active
    if password:
        user.password_hash = hash_password(password)
        changes["password"] = "cambiada"
    await audit.record(session, actor_id, "user.update", "user", user.id, {"username": user.username, **changes})
    return user


async def list_all(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.active.desc(), User.username)))
