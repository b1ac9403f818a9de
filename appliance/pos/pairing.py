"""Pairing a tablet to a lane, and recognising it afterwards.

An administrator shows a short code (and a QR of the pairing URL) on the back office; the tablet opens it once and
receives a long random token, kept in a cookie. The box stores only hashes of both, so a copy of the database (which
is replicated off-site) cannot be used to impersonate a tablet.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.core.errors import DomainError
from appliance.db.models import Device, Lane, PairingCode

CODE_TTL = timedelta(minutes=10)
# Wrong codes typed anywhere while a code is valid: past this many it is void. With 10^8 codes, a guesser's chance
# of hitting one before that is one in a million; the per-address delays (users/throttle.py) make the hundred take
# hours from one address, so one customer on the Wi-Fi cannot void the administrator's codes as they are made.
MAX_WRONG_GUESSES = 100
# Seen-at is refreshed at most this often, so every request does not become a write.
SEEN_RESOLUTION = timedelta(minutes=5)


class PairingError(DomainError):
    default_code = "pairing_failed"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_code(session: AsyncSession, lane_id: int, *, user_id: int | None, now: datetime) -> str:
    lane = await session.get(Lane, lane_id)
    if lane is None or not lane.active:
        raise PairingError("La caja no existe o está desactivada.", "not_found")
    code = f"{secrets.randbelow(10**8):08d}"
    session.add(PairingCode(lane_id=lane_id, code_hash=_hash(code), expires_at=now + CODE_TTL, created_by=user_id))
    await audit.record(session, user_id, "device.pairing_code", "lane", lane_id, {"lane": lane.code})
    return code


async def pair(session: AsyncSession, code: str, device_name: str, *, now: datetime) -> tuple[Device, str]:
    """Use a pairing code once; returns the new device and its token (shown to nobody, set as a cookie).

    A wrong code counts against every code valid at that moment, and raises PairingError *after* writing that:
    the caller commits, then shows the message."""
    code = "".join(ch for ch in code if ch in "0123456789")[:8]
    row = await session.scalar(select(PairingCode).where(PairingCode.code_hash == _hash(code)))
    live = row is not None and row.used_at is None and row.expires_at > now
    if row is None or not live or row.failed_attempts >= MAX_WRONG_GUESSES:
        await session.execute(
            update(PairingCode)
            .where(PairingCode.used_at.is_(None), PairingCode.expires_at > now)
            .values(failed_attempts=PairingCode.failed_attempts + 1)
        )
        if row is not None and live:
            raise PairingError(
                "El código fue anulado por demasiados intentos fallidos. Pida uno nuevo en Ajustes › Cajas."
            )
        raise PairingError("El código no es válido o ya venció. Pida uno nuevo en Ajustes › Cajas.")
    row.used_at = now
    token = secrets.token_urlsafe(32)
    name = device_name.strip()[:60] or "Tablet"
    device = Device(lane_id=row.lane_id, name=name, token_hash=_hash(token), paired_at=now, last_seen_at=now)
    session.add(device)
    await session.flush()
    await audit.record(session, None, "device.paired", "device", device.id, {"lane_id": row.lane_id, "name": name})
    return device, token


def token_key(token: str) -> str:
    """What identifies a token in memory and in the database: its hash, never the token itself."""
    return _hash(token)


async def device_for_token(session: AsyncSession, token: str | None) -> Device | None:
    if not token:
        return None
    device = await session.scalar(select(Device).where(Device.token_hash == _hash(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device


def needs_seen_update(device: Device, now: datetime) -> bool:
    return device.last_seen_at is None or now - device.last_seen_at > SEEN_RESOLUTION


async def revoke(session: AsyncSession, device_id: int, *, user_id: int | None, now: datetime) -> None:
    device = await session.get(Device, device_id)
    if device is None:
        raise PairingError("La tablet no existe.", "not_found")
    device.revoked_at = now
    await audit.record(session, user_id, "device.revoked", "device", device_id, {"name": device.name})
