"""Growing delays against guessing: per client address and per username.

The first few failures cost nothing; after them each failure makes the next try wait twice as long as the one
before, up to a ceiling. A try that comes early is held until its wait is over (up to HOLD_MAX) and only then
answered, without looking at the password if it is still early: a client that waits for its answers — a browser, a
script, eight of them flooding the login — then tries at the pace of the delays instead of as fast as the box can
say no, and the tablets keep the event loop. It lives in memory: a restart forgets it, and the persistent defences
(PIN lockouts, pairing codes voided by wrong guesses) do not depend on it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

FREE_FAILURES = 5
FIRST_DELAY = 1.0
MAX_DELAY = 300.0
# A key with no failure for this long is forgotten.
FORGET_AFTER = 3600.0
MAX_KEYS = 10_000
# The longest an early try is held before its answer; and how many may be held at once (each is a sleeping task).
HOLD_MAX = 10.0
MAX_HELD = 256
# A timer may wake a hair early: a held try that waited its full delay must not be refused for a millisecond.
HOLD_SLACK = 0.05


@dataclass
class _Record:
    failures: int
    last_failure: float


class Throttle:
    def __init__(
        self,
        *,
        free: int = FREE_FAILURES,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        forget_after: float = FORGET_AFTER,
    ) -> None:
        self.free, self.first_delay, self.max_delay, self.forget_after = free, first_delay, max_delay, forget_after
        self._records: dict[str, _Record] = {}

    def delay_after(self, failures: int) -> float:
        """How long a key with `failures` failures waits between tries."""
        if failures < self.free:
            return 0.0
        return min(self.max_delay, self.first_delay * float(2 ** (failures - self.free)))

    def wait(self, key: str, now: float) -> float:
        """Seconds before `key` may try again (0: now)."""
        record = self._records.get(key)
        if record is None:
            return 0.0
        if now - record.last_failure > self.forget_after:
            del self._records[key]
            return 0.0
        return max(0.0, record.last_failure + self.delay_after(record.failures) - now)

    def failed(self, key: str, now: float) -> None:
        record = self._records.get(key)
        if record is None or now - record.last_failure > self.forget_after:
            if len(self._records) >= MAX_KEYS:
                self._forget_oldest()
            record = self._records[key] = _Record(0, now)
        record.failures += 1
        record.last_failure = now

    def succeeded(self, key: str) -> None:
        self._records.pop(key, None)

    def has_failed(self, key: str, now: float) -> bool:
        """Whether `key` has a failure not yet forgotten."""
        record = self._records.get(key)
        return record is not None and now - record.last_failure <= self.forget_after

    def _forget_oldest(self) -> None:
        for key, _ in sorted(self._records.items(), key=lambda item: item[1].last_failure)[: MAX_KEYS // 10]:
            del self._records[key]


def wait_text(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    if whole >= 60:
        minutes = math.ceil(whole / 60)
        return f"{minutes} minuto{'s' if minutes != 1 else ''}"
    return f"{whole} segundo{'s' if whole != 1 else ''}"


@dataclass
class Guards:
    """The throttles a running box keeps, and how a try goes through them.

    A try *claims* its turn: it is counted as a failure before the password or code is even compared, in the same
    step that found no wait (nothing else runs in between on the event loop), so a hundred tries sent at once get one
    turn between them, not a hundred; a success then clears the count. The per-username delay binds only addresses
    that have failed themselves: whoever floods a username from one address cannot lock its owner out of another.
    """

    login_client: Throttle
    login_user: Throttle
    pairing_client: Throttle
    hold_max: float = HOLD_MAX
    held: int = field(default=0)
    # Monotonic seconds, and how to wait them: the tests move both instead of waiting.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    @classmethod
    def default(cls) -> Guards:
        return cls(login_client=Throttle(), login_user=Throttle(), pairing_client=Throttle())

    def _login_wait(self, address: str, username: str, now: float) -> float:
        wait = self.login_client.wait(address, now)
        if self.login_client.has_failed(address, now):
            wait = max(wait, self.login_user.wait(username, now))
        return wait

    async def claim_login(self, address: str, username: str) -> float:
        """0 when this try may compare the password now (and it is counted); else the seconds left to wait."""

        def count(now: float) -> None:
            self.login_client.failed(address, now)
            self.login_user.failed(username, now)

        return await self._claim(lambda now: self._login_wait(address, username, now), count)

    def login_succeeded(self, address: str, username: str) -> None:
        self.login_client.succeeded(address)
        self.login_user.succeeded(username)

    async def claim_pairing(self, address: str) -> float:
        return await self._claim(
            lambda now: self.pairing_client.wait(address, now), lambda now: self.pairing_client.failed(address, now)
        )

    async def _claim(self, waiting: Callable[[float], float], count: Callable[[float], None]) -> float:
        for attempt in range(2):
            now = self.clock()
            wait = waiting(now)
            if wait <= 0:
                count(now)
                return 0.0
            if attempt == 0:
                await self.hold(wait + HOLD_SLACK)
        return wait

    async def hold(self, seconds: float) -> None:
        """Wait out (up to hold_max of) a try's delay before answering it; past MAX_HELD waiting, answer at once."""
        if self.held >= MAX_HELD or seconds <= 0 or self.hold_max <= 0:
            return
        self.held += 1
        try:
            await self.sleep(min(seconds, self.hold_max))
        finally:
            self.held -= 1
