"""Lanes (cajas) as the administrator sees them: which exist, their tablets and whether a turno is open."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.db.models import CashSession, Device, Lane

CODE_RE = re.compile(r"^[a-z0-9-]{2,20}$")


@dataclass(frozen=True)
class LaneSummary:
    lane: Lane
    devices: list[Device]
    open_session: CashSession | None


async def summaries(session: AsyncSession) -> list[LaneSummary]:
    lanes = list(await session.scalars(select(Lane).order_by(Lane.code)))
    devices = list(await session.scalars(select(Device).where(Device.revoked_at.is_(None)).order_by(Device.id)))
    open_sessions = {
        row.lane_id: row for row in await session.scalars(select(CashSession).where(CashSession.status == "open"))
    }
    return [
        LaneSummary(lane, [d for d in devices if d.lane_id == lane.id], open_sessions.get(lane.id)) for lane in lanes
    ]


async def create(session: AsyncSession, code: str, name: str, *, actor_id: int | None) -> Lane:
    code, name = code.strip().lower(), name.strip()
    errors = {}
    if not CODE_RE.match(code):
        errors["code"] = "el código lleva de 2 a 20 letras minúsculas, números o guiones (ej.: caja-1)"
    elif await session.scalar(select(Lane.id).where(Lane.code == code)):
        errors["code"] = f"ya existe la caja {code}"
    if not name:
        errors["name"] = "el nombre es obligatorio (ej.: Caja 1)"
    if errors:
        raise FormErrors(errors)
    lane = Lane(code=code, name=name[:60])
    session.add(lane)
    await session.flush()
    await audit.record(session, actor_id, "lane.create", "lane", lane.id, {"code": code})
    return lane
