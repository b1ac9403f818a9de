"""A PIN typed on the tablet: a cashier signing in, or a supervisor approving something at the counter.

The argon2 comparison runs off the event loop and outside any transaction (users/service.py check_password); the
outcome is written in a transaction of its own that commits even when the PIN is wrong, so every failed guess counts
towards the lockouts (pos/pins.py). The approved action then runs in its own transaction, which rolls back as a
whole if anything in it fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request

from appliance.core.errors import DomainError
from appliance.db.models import User
from appliance.http.inputs import Inputs
from appliance.http.pages import db
from appliance.pos import pins
from appliance.users.service import check_password


async def check_pin(request: Request[Any, Any, Any], user_id: int | None, pin: str) -> User:
    """The user whose PIN was typed on this tablet; raises PinError (in Spanish) after recording a wrong one."""
    now = datetime.now(UTC)
    async with db(request).read() as session:
        check = await pins.prepare(session, request.state.device.id, user_id, now=now)
    # Not 4–6 digits cannot match: it still counts as a wrong PIN, without spending a comparison on it.
    matched = bool(pins.PIN_RE.match(pin)) and await check_password(check.pin_hash, pin, kind="pin")
    error: pins.PinError | None = None
    async with db(request).write() as session:
        try:
            user = await pins.record(session, check, matched, now=now)
        except pins.PinError as exc:
            error = exc  # caught inside the block: the failure must be committed
    if error is not None:
        raise error
    return user


async def supervisor_from_form(request: Request[Any, Any, Any], data: Inputs) -> User:
    """The approver named by `supervisor_id`, after their `supervisor_pin`; raises the refusal in Spanish.

    Only a supervisor or an administrator can be named: a wrong PIN then counts against the person chosen, who is
    the person who typed it (the list starts empty, so nobody approves under someone else's name by default)."""
    approver_id = data.id("supervisor_id")
    if approver_id is None:
        raise DomainError("Elija quién autoriza y escriba su PIN.", "approval_required")
    async with db(request).read() as session:
        named = await session.get(User, approver_id)
    if named is None or named.role not in pins.APPROVER_ROLES:
        raise DomainError("Esto lo autoriza un supervisor o un administrador.", "approval_required")
    return await check_pin(request, approver_id, data.text("supervisor_pin", max_len=12))


def typed_values(data: Inputs) -> dict[str, str]:
    """What the person typed, to put back in the form after an error: everything but PINs and passwords."""
    return {k: v for k, v in data.items() if "pin" not in k and "password" not in k and k != "_csrf_token"}
