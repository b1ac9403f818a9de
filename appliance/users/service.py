"""Users, their roles and their passwords (argon2). Authentication answers the same for a wrong user or password.

An argon2 comparison takes tens of milliseconds of CPU and 64 MiB on purpose. It never runs on the event loop (the
tablets' requests would wait behind it) nor inside a transaction (it would hold the write lock): `check_password`
runs it on a worker thread, one at a time per kind (back-office passwords, tablet PINs), so a flood of wrong
passwords occupies at most one core and never delays a cashier's PIN.
"""

from __future__ import annotations

import asyncio
import functools
import re
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.db.models import Role, User
from appliance.users import sessions

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


CheckKind = Literal["password", "pin"]
# One semaphore per kind and per event loop (tests run many loops; a semaphore belongs to the loop it waited on).
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = weakref.WeakKeyDictionary()


def _slot(kind: CheckKind) -> asyncio.Semaphore:
    per_loop = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    if kind not in per_loop:
        per_loop[kind] = asyncio.Semaphore(1)
    return per_loop[kind]


async def check_password(stored_hash: str | None, password: str, *, kind: CheckKind = "password") -> bool:
    """Compare on a worker thread, one comparison of each kind at a time. A missing hash still costs a comparison,
    so the answer's timing does not tell whether the user exists."""
    async with _slot(kind):
        if stored_hash is None:
            await asyncio.to_thread(verify_password, _dummy_hash(), password)
            return False
        return await asyncio.to_thread(verify_password, stored_hash, password)


@dataclass(frozen=True)
class LoginCandidate:
    user_id: int
    password_hash: str


async def login_candidate(session: AsyncSession, username: str) -> LoginCandidate | None:
    """The active user a back-office login names, if any (the password is compared afterwards, outside the read)."""
    user = await session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        return None
    return LoginCandidate(user.id, user.password_hash)


async def record_login(session: AsyncSession, candidate: LoginCandidate, *, now: datetime) -> User | None:
    """After a matching password: the user, unless they were deactivated or their password changed meanwhile."""
    user = await session.get(User, candidate.user_id)
    if user is None or not user.active or user.password_hash != candidate.password_hash:
        return None
    user.last_login_at = now
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
    keep_session: str | None = None,
) -> User:
    """A new password or a deactivation ends every session of the user, but `keep_session` (the administrator's
    own, when they changed their own password)."""
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
    if password or not active:
        await sessions.end_all(session, user.id, now=datetime.now(UTC), keep=keep_session)
    await audit.record(session, actor_id, "user.update", "user", user.id, {"username": user.username, **changes})
    return user


async def list_all(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.active.desc(), User.username)))
