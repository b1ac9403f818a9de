"""A supervisor's approval typed on the tablet: their PIN, checked in a transaction of its own.

The check commits even when the PIN is wrong, so every failed guess counts towards the lockout (pins.py); the
approved action then runs in its own transaction, which rolls back as a whole if anything in it fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request

from appliance.core.errors import DomainError
from appliance.db.models import Device, User
from appliance.http.pages import db
from appliance.pos import pins


async def supervisor_from_form(request: Request[Any, Any, Any], data: dict[str, str]) -> User:
    """The approving supervisor named by `supervisor_id`, after `supervisor_pin`; raises the refusal in Spanish."""
    raw = data.get("supervisor_id", "")
    error: DomainError | None = None
    approver: User | None = None
    async with db(request).write() as session:
        device = await session.get(Device, request.state.device.id)
        assert device is not None  # the tablet guard found it a moment ago
        try:
            approver = await pins.login(
                session,
                device,
                int(raw) if raw.isdigit() else 0,
                data.get("supervisor_pin", ""),
                now=datetime.now(UTC),
            )
        except pins.PinError as exc:
            error = exc
    if error is not None:
        raise error
    assert approver is not None
    if approver.role not in ("supervisor", "administrador"):
        raise DomainError("Esto lo autoriza un supervisor o un administrador.", "approval_required")
    return approver
