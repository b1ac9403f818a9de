"""Sign-in sessions kept on the box: the cookie carries a random token, the database its hash and whether it ended.

Signing out ends the session here, so a copied cookie is worthless afterwards; a password change or a deactivated
user ends all of that user's sessions. A `pin` session is a cashier's on one tablet: it reaches the counter and
nothing of the back office, which needs a `password` session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.db.models import LoginSession

SessionKind = Literal["password", "pin"]
# Ended and expired rows are kept this long (who was signed in, from where), then pruned at the next sign-in.
KEEP_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class ActiveSession:
    id: int
    user_id: int
    kind: SessionKind
    device_id: int | None
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(
    session: AsyncSession,
    user_id: int,
    *,
    kind: SessionKind,
    now: datetime,
    lifetime: timedelta,
    device_id: int | None = None,
    client: str = "",
) -> str:
    """A new session; returns the token for the cookie (shown to nobody else, stored only as its hash)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=token_hash(token),
            user_id=user_id,
            kind=kind,
            device_id=device_id,
            client=client[:64],
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.execute(delete(LoginSession).where(LoginSession.expires_at < now - KEEP_ENDED))
    return token


async def find(session: AsyncSession, token: str, *, now: datetime) -> ActiveSession | None:
    row = await session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    kind: SessionKind = "pin" if row.kind == "pin" else "password"
    return ActiveSession(row.id, row.user_id, kind, row.device_id, row.expires_at)


async def end(session: AsyncSession, token: str, *, now: datetime) -> None:
    await session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )


async def end_all(session: AsyncSession, user_id: int, *, now: datetime, keep: str | None = None) -> None:
    """Every open session of the user but `keep` (the one that made the change, when it is theirs)."""
    stmt = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(LoginSession.token_hash != token_hash(keep))
    await session.execute(stmt.values(ended_at=now))
