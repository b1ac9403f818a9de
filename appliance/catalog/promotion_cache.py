"""The promotions in force, remembered between scans: reading them costs two or three queries on every cart change.

Any commit in this process that writes a promotion, one of its targets, a category or a product (its category may
have moved) makes the next read go to the database; entries also expire after a few seconds, which bounds how long
a change made by another process (an import from the command line) goes unseen.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from appliance.catalog import promotions as store
from appliance.db.models import Category, Product, Promotion, PromotionTarget
from appliance.sales.promotions import Rule

TTL_SECONDS = 5.0
_WATCHED = (Promotion, PromotionTarget, Category, Product)
_FLAG = "promotion_rows_changed"


class _State:
    generation = 0
    cached: tuple[date, int, float, list[Rule]] | None = None  # day, generation, expiry, rules


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and any(m.class_ in _WATCHED for m in state.all_mappers):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        _State.generation += 1


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)


async def active_rules(session: AsyncSession, day: date) -> list[Rule]:
    if session.info.get(_FLAG):  # this transaction changed promotions itself: only the database knows
        return await store.active_rules(session, day)
    cached = _State.cached
    if cached is not None and cached[0] == day and cached[1] == _State.generation and cached[2] > time.monotonic():
        return cached[3]
    read_generation = _State.generation
    rules = await store.active_rules(session, day)
    if read_generation == _State.generation:  # a commit that raced this read wins: don't keep what it replaced
        _State.cached = (day, read_generation, time.monotonic() + TTL_SECONDS, rules)
    return rules
