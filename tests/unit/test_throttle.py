"""The guessing delays (users/throttle.py) under tries sent all at once, and for the owner of a flooded username."""

from __future__ import annotations

import asyncio

from appliance.users.throttle import FREE_FAILURES, Guards, Throttle


def _guards() -> tuple[Guards, list[float]]:
    clock = [1000.0]

    async def sleep(seconds: float) -> None:
        started = clock[0]
        await asyncio.sleep(0)  # the held tries sleep side by side and wake in the same instant
        clock[0] = max(clock[0], started + seconds)

    guards = Guards.default()
    guards.clock, guards.sleep = lambda: clock[0], sleep
    return guards, clock


async def test_a_hundred_tries_at_once_get_one_turn_between_them() -> None:
    guards, clock = _guards()
    for _ in range(FREE_FAILURES):
        assert await guards.claim_login("10.0.0.9", "admin") == 0
    clock[0] += 1.1  # the first delay (one second) has passed
    answers = await asyncio.gather(*(guards.claim_login("10.0.0.9", "admin") for _ in range(100)))
    # One goes at once (its delay had passed); the rest are held for the next delay, after which one of them goes
    # and the others are refused: one turn per delay, never a hundred passwords compared at once.
    assert sum(1 for wait in answers if wait == 0) == 2
    assert sorted(answers)[2] > 0


async def test_a_flooded_username_does_not_lock_its_owner_out_of_a_clean_address() -> None:
    guards, clock = _guards()
    for _ in range(30):
        guards.login_user.failed("duena", clock[0])  # someone, from many addresses, guessing the owner's password
    guards.login_client.failed("10.0.0.66", clock[0])  # one of them
    assert await guards.claim_login("10.0.0.66", "duena") > 0  # a guessing address waits out the username's delay
    assert await guards.claim_login("10.0.0.20", "duena") == 0  # the owner's own PC has failed nothing: in


def test_delays_grow_then_stop_growing_and_are_forgotten() -> None:
    throttle = Throttle()
    delays = [throttle.delay_after(n) for n in range(FREE_FAILURES, FREE_FAILURES + 12)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0] and delays[-1] == 300.0
    for _ in range(FREE_FAILURES + 3):
        throttle.failed("x", 0.0)
    assert throttle.wait("x", 1.0) == 7.0
    assert throttle.wait("x", 3_700.0) == 0.0 and not throttle.has_failed("x", 3_700.0)
