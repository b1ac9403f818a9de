from datetime import UTC, datetime, timedelta

import pytest

from appliance.core.clock import CHILE_TZ, Clock, FixedClock, SystemClock


def test_system_clock_is_chile_time() -> None:
    clock: Clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is CHILE_TZ
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_fixed_clock_stands_still_and_advances() -> None:
    clock = FixedClock(datetime(2025, 1, 15, 10, 30, tzinfo=CHILE_TZ))
    assert clock.now() == clock.now() == datetime(2025, 1, 15, 10, 30, tzinfo=CHILE_TZ)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2025, 1, 15, 10, 35, tzinfo=CHILE_TZ)
    clock.advance(timedelta(hours=-1))
    assert clock.now() == datetime(2025, 1, 15, 9, 35, tzinfo=CHILE_TZ)


def test_fixed_clock_answers_in_chile_time() -> None:
    clock = FixedClock(datetime(2025, 1, 15, 13, 30, tzinfo=UTC))
    now = clock.now()
    assert now.tzinfo is CHILE_TZ
    assert now.hour == 10  # summer time, UTC-3
    assert now.utcoffset() == timedelta(hours=-3)


def test_fixed_clock_advances_elapsed_time_across_dst() -> None:
    # Chile went to summer time at 2024-09-08 00:00 (clocks jumped to 01:00).
    clock = FixedClock(datetime(2024, 9, 7, 23, 30, tzinfo=CHILE_TZ))
    clock.advance(timedelta(hours=1))
    now = clock.now()
    assert (now.hour, now.minute, now.utcoffset()) == (1, 30, timedelta(hours=-3))


def test_fixed_clock_set_and_naive_rejected() -> None:
    clock = FixedClock(datetime(2025, 1, 15, 10, 30, tzinfo=CHILE_TZ))
    clock.set(datetime(2025, 3, 1, 8, 0, tzinfo=CHILE_TZ))
    assert clock.now() == datetime(2025, 3, 1, 8, 0, tzinfo=CHILE_TZ)
    with pytest.raises(ValueError):
        FixedClock(datetime(2025, 1, 15, 10, 30))
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 1, 15, 10, 30))
