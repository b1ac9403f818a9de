"""The audit log of sensitive actions: who, what, when, on which record. Written in the action's own transaction."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.db.models import AuditEntry


async def record(
    session: AsyncSession,
    user_id: int | None,
    action: str,
    entity: str = "",
    entity_id: int | str = "",
    detail: Mapping[str, object] | None = None,
    *,
    source: str = "",
) -> None:
    session.add(
        AuditEntry(
            user_id=user_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            detail=dict(detail or {}),
            source=source,
        )
    )


async def recent(session: AsyncSession, limit: int = 100) -> list[AuditEntry]:
    return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
