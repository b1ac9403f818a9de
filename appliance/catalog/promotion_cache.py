"""The promotions in force, remembered between scans: reading them costs two or three queries on every cart change.

Any commit in this process that writes a promotion, one of its targets, a category or a product (its category may
have moved) makes the next read go to the database; entries also expire after a few seconds, which bounds how long
a change made by another process (an import from the command line) goes unseen.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog import promotions as store
from appliance.db.change_watch import ChangeWatch
from appliance.db.models import Category, Product, Promotion, PromotionTarget
from appliance.sales.promotions import Rule

TTL_SECONDS = 5.0
_WATCH = ChangeWatch("promotions", Promotion, PromotionTarget, Category, Product)


class _State:
    cached: tuple[date, int, float, list[Rule]] | None = None  # day, generation, expiry, rules


async def active_rules(session: AsyncSession, day: date) -> list[Rule]:
    if _WATCH.changed_in(session):  # this transaction changed promotions itself: only the database knows
        return await store.active_rules(session, day)
    cached = _State.cached
    if cached is not None and cached[0] == day and cached[1] == _WATCH.generation and cached[2] > time.monotonic():
        return cached[3]
    read_generation = _WATCH.generation
    rules = await store.active_rules(session, day)
    if read_generation == _WATCH.generation:  # a commit that raced this read wins: don't keep what it replaced
        _State.cached = (day, read_generation, time.monotonic() + TTL_SECONDS, rules)
    return rules
