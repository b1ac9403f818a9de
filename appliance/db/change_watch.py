"""Knowing, without a query, whether some tables changed: a counter bumped by every commit in this process that
wrote a row of the watched models. In-process caches compare it with the value they read under.

A flush marks the session (it still lists what it wrote); bulk INSERT/UPDATE/DELETE statements mark it too; the
commit turns the mark into a new generation and a rollback drops it. Changes made by another process (the command
line) are not seen: the caches bound that with a short expiry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction


class ChangeWatch:
    def __init__(self, name: str, *models: type[Any]) -> None:
        self._flag = f"changed:{name}"
        self._models = models
        self.generation = 0
        event.listen(Session, "after_flush", self._after_flush)
        event.listen(Session, "do_orm_execute", self._bulk_statement)
        event.listen(Session, "after_commit", self._after_commit)
        event.listen(Session, "after_rollback", self._after_rollback)

    def changed_in(self, session: AsyncSession | Session) -> bool:
        """Whether this (uncommitted) transaction already wrote a watched row: only the database knows it then."""
        return bool(session.info.get(self._flag))

    def _after_flush(self, session: Session, _context: UOWTransaction) -> None:
        if any(isinstance(obj, self._models) for obj in (*session.new, *session.dirty, *session.deleted)):
            session.info[self._flag] = True

    def _bulk_statement(self, state: ORMExecuteState) -> None:
        if (state.is_insert or state.is_update or state.is_delete) and any(
            m.class_ in self._models for m in state.all_mappers
        ):
            state.session.info[self._flag] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(self._flag, False):
            self.generation += 1

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(self._flag, None)
