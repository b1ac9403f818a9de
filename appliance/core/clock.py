"""Where "now" comes from. Documents carry Chile local time; code asks a `Clock` so tests can fix and move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

CHILE_TZ = ZoneInfo("America/Santiago")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in Chile local time."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(CHILE_TZ)


class FixedClock:
    """A clock that stands still until told to move: for tests and reproducible demos."""

    def __init__(self, at: datetime) -> None:
        self._at = self._to_utc(at)

    @staticmethod
    def _to_utc(at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        # Kept in UTC because adding a timedelta to a Santiago time is wall-clock arithmetic: across a DST change
        # it would be an hour off, or land on a time that does not exist.
        return at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at.astimezone(CHILE_TZ)

    def advance(self, delta: timedelta) -> None:
        """Moves the clock by `delta` of elapsed time (negative to simulate a Pi booting with a clock in the past)."""
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = self._to_utc(at)
