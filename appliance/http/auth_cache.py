"""A short-lived, in-process cache of the signed-in user and the asking tablet, so a scan does not start with two
database reads.

Every commit in this process that touches a user, a device or a lane empties the cache at once (ORM events below),
so a revoked tablet or a deactivated user is refused on the very next request. Entries also expire after a few
seconds, which bounds how long a change made by another process (the CLI) goes unseen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from appliance.db.models import Device, Lane, User

TTL_SECONDS = 5.0
MAX_ENTRIES = 512
_WATCHED = (User, Device, Lane)
_FLAG = "auth_rows_changed"


class _Generation:
    """Bumped after each commit that changed a watched row; an entry read under an older generation is stale."""

    value = 0


def generation() -> int:
    return _Generation.value


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # After a flush the session still lists what the flush wrote.
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ in _WATCHED for m in state.all_mappers):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        _Generation.value += 1


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


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
