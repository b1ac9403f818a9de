"""Cashier PINs on a paired tablet: 4–6 digits, with lockouts per user and per tablet against guessing.

A 4-digit PIN is only safe because guesses are few: after MAX_FAILURES wrong tries the user (on every tablet) and the
tablet (for every user) wait LOCKOUT. Every success, failure and lockout is in the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.db.models import Device, PinLock, User
from appliance.users.service import hash_password, verify_password

PIN_RE = re.compile(r"^\d{4,6}$")
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)


class PinError(DomainError):
    default_code = "pin_refused"


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 59) // 60)


async def set_pin(session: AsyncSession, user_id: int, pin: str, *, actor_id: int | None) -> None:
    if not PIN_RE.match(pin):
        raise PinError("El PIN debe tener de 4 a 6 dígitos.", "invalid_pin")
    user = await session.get(User, user_id)
    if user is None:
        raise PinError("El usuario no existe.", "not_found")
    user.pin_hash = hash_password(pin)
    lock = await session.get(PinLock, user_id)
    if lock is not None:
        lock.failures, lock.locked_until = 0, None
    await audit.record(session, actor_id, "user.pin_set", "user", user_id, {"username": user.username})


async def cashiers(session: AsyncSession) -> list[User]:
    """Who can sign in on a tablet: active users that have a PIN."""
    return list(
        await session.scalars(select(User).where(User.active, User.pin_hash.is_not(None)).order_by(User.full_name))
    )


async def approvers(session: AsyncSession) -> list[User]:
    """Who can authorise at the counter (discounts, alcohol out of hours, returns): supervisors and administrators."""
    return [u for u in await cashiers(session) if u.role in ("supervisor", "administrador")]


async def login(session: AsyncSession, device: Device, user_id: int, pin: str, *, now: datetime) -> User:
    """Check a PIN typed on `device`. Failures are recorded even though the caller's transaction raises."""
    if device.locked_until and device.locked_until > now:
        raise PinError(
            f"Esta tablet está bloqueada por intentos fallidos. Espere {_minutes(device.locked_until, now)}"
            " min o pida ayuda a un supervisor.",
            "device_locked",
        )
    user = await session.get(User, user_id)
    if user is None or not user.active or not user.pin_hash:
        raise PinError("Elija su nombre en la lista.", "unknown_user")
    lock = await session.get(PinLock, user_id) or PinLock(user_id=user_id, failures=0)
    session.add(lock)
    if lock.locked_until and lock.locked_until > now:
        raise PinError(
            f"{user.full_name} está bloqueado/a por intentos fallidos. Espere {_minutes(lock.locked_until, now)} min.",
            "user_locked",
        )
    if verify_password(user.pin_hash, pin):
        lock.failures, lock.locked_until = 0, None
        device.pin_failures, device.locked_until = 0, None
        await audit.record(session, user.id, "pin.login", "device", device.id, {"lane_id": device.lane_id})
        return user
    lock.failures += 1
    device.pin_failures += 1
    detail: dict[str, object] = {"username": user.username, "failures": lock.failures}
    message = f"PIN incorrecto. Le quedan {MAX_FAILURES - lock.failures} intentos."
    if lock.failures >= MAX_FAILURES:
        lock.locked_until, lock.failures = now + LOCKOUT, 0
        message = f"PIN incorrecto. {user.full_name} queda bloqueado/a por {LOCKOUT.seconds // 60} minutos."
        detail["locked"] = True
    if device.pin_failures >= MAX_FAILURES:
        device.locked_until, device.pin_failures = now + LOCKOUT, 0
        detail["device_locked"] = True
    await audit.record(session, None, "pin.failed", "device", device.id, detail)
    raise PinError(message, "wrong_pin")
