"""Cashier PINs on a paired tablet: 4–6 digits, with lockouts per user and per tablet against guessing.

A 4-digit PIN is only safe because guesses are few. Every wrong PIN is a row against the user who was tried, on the
tablet it was typed on. MAX_FAILURES of them (within FAILURE_WINDOW, since the last lockout) lock that user on every
tablet; MAX_FAILURES on one tablet, whoever was tried, lock the tablet. Each lockout lasts longer than the one before
(LOCKOUT_STEPS), until a day passes without one. A success clears only that user's failures on that tablet: signing
in as oneself, or the real user signing in on another tablet, never wipes what a guesser has spent.

The check is split so that the slow argon2 comparison runs off the event loop and outside any transaction:
`prepare` (a read) says whose hash to compare or why not, the caller compares (users.service.check_password), and
`record` (a write, committed even when it raises) keeps the outcome. Every success, failure and lockout is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.db.models import Device, PinFailure, PinLock, User
from appliance.users.service import hash_password

PIN_RE = re.compile(r"^[0-9]{4,6}$")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
# The first lockout is short (a cashier who mistyped), the following ones are not (someone guessing).
LOCKOUT_STEPS = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))
# A day without a lockout and the next one starts from the first step again.
LOCKOUT_MEMORY = timedelta(hours=24)
APPROVER_ROLES = ("supervisor", "administrador")


class PinError(DomainError):
    default_code = "pin_refused"


def lockout_length(previous_lockouts: int) -> timedelta:
    return LOCKOUT_STEPS[min(previous_lockouts, len(LOCKOUT_STEPS) - 1)]


def _wait_text(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    if minutes >= 60:
        hours = (minutes + 59) // 60
        return f"{hours} hora{'s' if hours != 1 else ''}"
    return f"{minutes} minuto{'s' if minutes != 1 else ''}"


def _length_text(length: timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    if minutes >= 60:
        hours = minutes // 60
        return f"{hours} hora{'s' if hours != 1 else ''}"
    return f"{minutes} minutos"


def attempts_left_text(left: int) -> str:
    return f"Le queda {left} intento." if left == 1 else f"Le quedan {left} intentos."


async def set_pin(session: AsyncSession, user_id: int, pin: str, *, actor_id: int | None) -> None:
    if not PIN_RE.match(pin):
        raise PinError("El PIN debe tener de 4 a 6 dígitos.", "invalid_pin")
    user = await session.get(User, user_id)
    if user is None:
        raise PinError("El usuario no existe.", "not_found")
    user.pin_hash = hash_password(pin)
    # A new PIN starts clean: an administrator set it, nobody guessed it.
    await session.execute(delete(PinFailure).where(PinFailure.user_id == user_id))
    lock = await session.get(PinLock, user_id)
    if lock is not None:
        lock.locked_until, lock.lockouts, lock.counted_since = None, 0, None
    await audit.record(session, actor_id, "user.pin_set", "user", user_id, {"username": user.username})


async def cashiers(session: AsyncSession) -> list[User]:
    """Who can sign in on a tablet: active users that have a PIN."""
    return list(
        await session.scalars(select(User).where(User.active, User.pin_hash.is_not(None)).order_by(User.full_name))
    )


async def approvers(session: AsyncSession) -> list[User]:
    """Who can authorise at the counter (discounts, alcohol out of hours, returns): supervisors and administrators."""
    return [u for u in await cashiers(session) if u.role in APPROVER_ROLES]


@dataclass(frozen=True)
class PinCheck:
    """What `prepare` found: whose PIN hash to compare, on which tablet."""

    user_id: int
    device_id: int
    pin_hash: str


def _device_locked(device: Device, now: datetime) -> PinError | None:
    if device.locked_until and device.locked_until > now:
        return PinError(
            f"Esta tablet está bloqueada por intentos fallidos. Espere {_wait_text(device.locked_until, now)}"
            " o pida ayuda a un supervisor.",
            "device_locked",
        )
    return None


def _user_locked(user: User, lock: PinLock | None, now: datetime) -> PinError | None:
    if lock is not None and lock.locked_until and lock.locked_until > now:
        return PinError(
            f"{user.full_name} está bloqueado/a por intentos fallidos. Espere {_wait_text(lock.locked_until, now)}.",
            "user_locked",
        )
    return None


async def prepare(session: AsyncSession, device_id: int, user_id: int | None, *, now: datetime) -> PinCheck:
    """Whether `user_id` may try a PIN on `device_id` now; raises PinError (nothing to record) when not."""
    device = await session.get(Device, device_id)
    if device is None:
        raise PinError("Esta tablet no está emparejada.", "unknown_device")
    refused = _device_locked(device, now)
    if refused is not None:
        raise refused
    user = await session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active or not user.pin_hash:
        raise PinError("Elija su nombre en la lista.", "unknown_user")
    refused = _user_locked(user, await session.get(PinLock, user.id), now)
    if refused is not None:
        raise refused
    return PinCheck(user.id, device.id, user.pin_hash)


async def _failures_since(session: AsyncSession, *, since: datetime, user_id: int = 0, device_id: int = 0) -> int:
    """Wrong PINs after `since`, against the user or on the tablet (whichever id is given)."""
    who = PinFailure.user_id == user_id if user_id else PinFailure.device_id == device_id
    count = await session.scalar(select(func.count()).select_from(PinFailure).where(who, PinFailure.at > since))
    return int(count or 0)


def _since(counted_since: datetime | None, now: datetime) -> datetime:
    window_start = now - FAILURE_WINDOW
    return max(counted_since, window_start) if counted_since is not None else window_start


def _next_lockouts(lockouts: int, locked_until: datetime | None, now: datetime) -> int:
    """Lockouts so far, forgotten after a day without one."""
    if locked_until is not None and now - locked_until > LOCKOUT_MEMORY:
        return 0
    return lockouts


async def record(session: AsyncSession, check: PinCheck, matched: bool, *, now: datetime) -> User:
    """Keep the outcome of comparing the PIN. On a wrong PIN this raises PinError *after* writing the failure: the
    caller commits and then shows the message (see `approvals` and the PIN screen)."""
    device = await session.get(Device, check.device_id)
    user = await session.get(User, check.user_id)
    assert device is not None and user is not None  # prepare found both; neither is ever deleted
    lock = await session.get(PinLock, user.id)
    # Another tablet may have locked them while the hash was being compared.
    refused = _device_locked(device, now) or _user_locked(user, lock, now)
    if refused is not None:
        raise refused
    if matched:
        await session.execute(
            delete(PinFailure).where(PinFailure.user_id == user.id, PinFailure.device_id == device.id)
        )
        await audit.record(session, user.id, "pin.login", "device", device.id, {"lane_id": device.lane_id})
        return user

    session.add(PinFailure(user_id=user.id, device_id=device.id, at=now))
    await session.flush()
    if lock is None:
        lock = PinLock(user_id=user.id, lockouts=0)
        session.add(lock)
    user_failures = await _failures_since(session, user_id=user.id, since=_since(lock.counted_since, now))
    device_failures = await _failures_since(session, device_id=device.id, since=_since(device.pin_counted_since, now))
    detail: dict[str, object] = {"username": user.username, "failures": user_failures}
    message = f"PIN incorrecto. {attempts_left_text(MAX_FAILURES - user_failures)}"
    if user_failures >= MAX_FAILURES:
        previous = _next_lockouts(lock.lockouts or 0, lock.locked_until, now)
        length = lockout_length(previous)
        lock.locked_until, lock.lockouts, lock.counted_since = now + length, previous + 1, now
        message = f"PIN incorrecto. {user.full_name} queda bloqueado/a por {_length_text(length)}."
        detail.update(locked=True, minutes=int(length.total_seconds() // 60))
    if device_failures >= MAX_FAILURES:
        previous = _next_lockouts(device.pin_lockouts or 0, device.locked_until, now)
        length = lockout_length(previous)
        device.locked_until, device.pin_lockouts, device.pin_counted_since = now + length, previous + 1, now
        detail["device_locked"] = True
        if user_failures < MAX_FAILURES:
            message = f"PIN incorrecto. Esta tablet queda bloqueada por {_length_text(length)}."
    await audit.record(session, None, "pin.failed", "device", device.id, detail)
    raise PinError(message, "wrong_pin")
