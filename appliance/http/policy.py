"""Who may open what. Every route declares its roles in `opt`; a route that declares none is refused to everyone.

Deny-by-default means a new screen without a policy cannot leak: it fails closed, and the route-walking test fails.
"""

from __future__ import annotations

from typing import Any

from appliance.db.models import Role

ROLES_KEY = "roles"
PUBLIC_KEY = "public"  # also SessionAuth's exclude_opt_key: no login needed (login page, static files)
DEVICE_KEY = "device"  # only from a tablet paired to a lane (the point of sale)

ADMIN = frozenset({Role.ADMINISTRADOR})
# The owner watches read-only; supervisors see the back office to approve and check, without editing the catalog.
BACKOFFICE_VIEW = frozenset({Role.ADMINISTRADOR, Role.SUPERVISOR, Role.DUENO})
ANY_STAFF = frozenset(Role)
# Who works the counter: everyone but the remote, read-only owner.
COUNTER = frozenset({Role.CAJERO, Role.SUPERVISOR, Role.ADMINISTRADOR})


def allow(roles: frozenset[Role]) -> dict[str, Any]:
    return {ROLES_KEY: roles}


PUBLIC: dict[str, Any] = {PUBLIC_KEY: True}


def on_tablet(roles: frozenset[Role] | None = None) -> dict[str, Any]:
    """A point-of-sale route: a paired tablet, and (unless `roles` is None: the PIN screen) a signed-in cashier."""
    return {DEVICE_KEY: True, **(allow(roles) if roles is not None else PUBLIC)}
