"""A short-lived, in-process cache of the signed-in user and the asking tablet, so a scan does not start with two
database reads.

Every commit in this process that touches a user, a device, a lane or a session empties the cache at once
(db/change_watch.py), so a revoked tablet, a deactivated user or an ended session is refused on the very next
request. Entries also expire after a few seconds, which bounds how long a change made by another process (the CLI)
goes unseen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from appliance.db.change_watch import ChangeWatch
from appliance.db.models import Device, Lane, LoginSession, User

TTL_SECONDS = 5.0
MAX_ENTRIES = 512
_WATCH = ChangeWatch("auth", User, Device, Lane, LoginSession)


def generation() -> int:
    """Bumped after each commit that changed a user, device or lane; an entry read under an older one is stale."""
    return _WATCH.generation


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    generation: int
    expires: float


class AuthCache:
    """Positive lookups only (an unknown token is not remembered), keyed by what the request carries."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[tuple[str, object], _Entry] = {}

    def get(self, key: tuple[str, object]) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.generation != generation() or entry.expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry.value

    def put(self, key: tuple[str, object], value: Any, read_generation: int) -> None:
        """`read_generation`: `generation()` taken before the database read, so a commit racing the read wins."""
        if read_generation != generation():
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = _Entry(value, read_generation, time.monotonic() + self._ttl)
