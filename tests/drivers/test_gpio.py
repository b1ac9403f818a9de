"""GPIO with gpiozero's MockFactory: LED patterns over time, beeps, the shutdown hold, the drawer pulse, and start-up
without any GPIO."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPin

from drivers.gpio import (
    DOUBLE_BLINK,
    FAST_BLINK,
    SLOW_BLINK,
    SOLID,
    GpioBoard,
    GpioPins,
    HealthState,
    LedState,
    Pattern,
    open_gpio,
    pattern_for,
)

PINS = GpioPins(status_led=17, buzzer=27, shutdown_button=3, drawer_relay=22, shutdown_hold_seconds=0.3)


@pytest.fixture
def gpio_factory() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


def board(factory: MockFactory, *, time_scale: float = 1.0, on_shutdown: Callable[[], None] | None = None) -> GpioBoard:
    return open_gpio(PINS, pin_factory=factory, time_scale=time_scale, on_shutdown=on_shutdown)


def history(pin: MockPin) -> list[tuple[bool, float]]:
    """Completed (state, seconds held) periods from MockPin's change log (each entry: time since previous change)."""
    states = pin.states
    return [(bool(states[i].state), states[i + 1].timestamp) for i in range(1, len(states) - 1)]


def wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.mark.parametrize(
    ("state", "pattern"),
    [
        (LedState(), SOLID),
        (LedState(backup_lagging=True), DOUBLE_BLINK),
        (LedState(sii_pending=True, backup_lagging=True), SLOW_BLINK),
        (LedState(device_error=True, sii_pending=True, backup_lagging=True), FAST_BLINK),
        (LedState(device_error=True), FAST_BLINK),
    ],
)
def test_pattern_priority(state: LedState, pattern: Pattern) -> None:
    assert pattern_for(state) == pattern


def test_solid_means_steadily_on(gpio_factory: MockFactory) -> None:
    gpio = board(gpio_factory)
    try:
        assert gpio.led.show(LedState()) == SOLID
        time.sleep(0.1)
        assert [s.state for s in gpio_factory.pin(17).states] == [False, True]
    finally:
        gpio.close()


@pytest.mark.parametrize(
    ("state", "pattern", "scale"),
    [
        (LedState(sii_pending=True), SLOW_BLINK, 0.1),
        (LedState(backup_lagging=True), DOUBLE_BLINK, 0.4),
        (LedState(device_error=True), FAST_BLINK, 0.5),
    ],
)
def test_blink_patterns_on_the_pin(gpio_factory: MockFactory, state: LedState, pattern: Pattern, scale: float) -> None:
    gpio = board(gpio_factory, time_scale=scale)
    try:
        gpio.led.show(state)
        steps = pattern.steps
        time.sleep(sum(steps) * scale * 1.2)
        gpio.led.show(state)  # the same state again: no restart, the rhythm goes on
        time.sleep(sum(steps) * scale * 0.6)
        periods = history(gpio_factory.pin(17))
    finally:
        gpio.close()
    assert len(periods) >= len(steps) + 1
    for index, (lit, seconds) in enumerate(periods):
        assert lit == (index % 2 == 0)  # on, off, on, off … starting with on
        assert math.isclose(seconds, steps[index % len(steps)] * scale, abs_tol=0.035), (index, periods)


def test_double_blink_shape(gpio_factory: MockFactory) -> None:
    gpio = board(gpio_factory, time_scale=0.4)
    try:
        gpio.led.show(LedState(backup_lagging=True))
        time.sleep(0.7)
        periods = history(gpio_factory.pin(17))
    finally:
        gpio.close()
    on1, off1, on2, pause = (seconds for _, seconds in periods[:4])
    assert pause > 3 * max(on1, off1, on2)  # two quick flashes, then a long dark pause


def test_changing_state_switches_pattern_and_close_turns_off(gpio_factory: MockFactory) -> None:
    gpio = board(gpio_factory, time_scale=0.1)
    gpio.led.show(LedState(device_error=True))
    time.sleep(0.05)
    assert gpio.led.show(LedState()) == SOLID
    assert gpio.led.pattern == SOLID
    time.sleep(0.05)
    assert gpio_factory.pin(17).state is True
    gpio.close()
    assert gpio_factory.pin(17).state is False
    assert not [t for t in threading.enumerate() if t.name == "status-led"]


def test_beep_scan_is_one_short_chirp(gpio_factory: MockFactory) -> None:
    gpio = board(gpio_factory)
    try:
        gpio.buzzer.beep_scan()
        time.sleep(0.2)
        periods = history(gpio_factory.pin(27))
    finally:
        gpio.close()
    assert [lit for lit, _ in periods] == [True]
    assert math.isclose(periods[0][1], 0.06, abs_tol=0.03)
    assert gpio_factory.pin(27).state is False


def test_beep_error_is_two_long_beeps(gpio_factory: MockFactory) -> None:
    gpio = board(gpio_factory, time_scale=0.5)
    try:
        gpio.buzzer.beep_error()
        time.sleep(0.6)
        periods = history(gpio_factory.pin(27))
    finally:
        gpio.close()
    assert [lit for lit, _ in periods] == [True, False, True]
    assert all(math.isclose(s, e, abs_tol=0.035) for (_, s), e in zip(periods, (0.175, 0.075, 0.175), strict=True))


def test_drawer_relay_pulse(gpio_factory: MockFactory) -> None:
    gpio = board(gpio_factory)
    try:
        assert gpio.drawer.fitted
        gpio.drawer.pulse(150)
        time.sleep(0.3)
        periods = history(gpio_factory.pin(22))
    finally:
        gpio.close()
    assert [lit for lit, _ in periods] == [True]
    assert math.isclose(periods[0][1], 0.15, abs_tol=0.035)


def test_shutdown_button_held_calls_once(gpio_factory: MockFactory) -> None:
    calls: list[float] = []
    gpio = board(gpio_factory, on_shutdown=lambda: calls.append(time.monotonic()))
    try:
        button = gpio_factory.pin(3)
        pressed = time.monotonic()
        button.drive_low()
        time.sleep(0.8)  # held well past 0.3 s: still one call, not one per 0.3 s
        button.drive_high()
        assert len(calls) == 1
        assert calls[0] - pressed >= 0.29
        button.drive_low()  # a second, separate hold is a second request
        wait_until(lambda: len(calls) == 2)
        button.drive_high()
        assert len(calls) == 2
    finally:
        gpio.close()


def test_shutdown_button_short_press_does_nothing(gpio_factory: MockFactory) -> None:
    calls: list[None] = []
    gpio = board(gpio_factory, on_shutdown=lambda: calls.append(None))
    try:
        button = gpio_factory.pin(3)
        button.drive_low()
        time.sleep(0.1)
        button.drive_high()
        time.sleep(0.4)
        assert calls == []
    finally:
        gpio.close()


def test_failing_callback_does_not_stop_later_holds(gpio_factory: MockFactory) -> None:
    def explode() -> None:
        raise RuntimeError("systemctl not found")

    gpio = board(gpio_factory, on_shutdown=explode)
    try:
        button = gpio_factory.pin(3)
        for _ in range(2):
            before = gpio.shutdown.holds
            button.drive_low()
            wait_until(lambda: gpio.shutdown.holds > before)  # noqa: B023 (used before the loop moves on)
            button.drive_high()
        assert gpio.shutdown.holds == 2
    finally:
        gpio.close()


def test_shutdown_button_real_three_seconds(gpio_factory: MockFactory) -> None:
    calls: list[None] = []
    gpio = open_gpio(GpioPins(), pin_factory=gpio_factory, on_shutdown=lambda: calls.append(None))
    try:
        button = gpio_factory.pin(3)
        button.drive_low()
        time.sleep(2.7)
        assert calls == []  # not yet: 3 s is the rule
        wait_until(lambda: bool(calls), timeout=1.0)
        button.drive_high()
        assert calls == [None]
    finally:
        gpio.close()


def test_no_gpio_is_a_quiet_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")  # as on a laptop: nothing loads
    gpio = open_gpio(on_shutdown=lambda: None)
    health = gpio.health()
    assert health.state is HealthState.OFFLINE
    assert health.detail.startswith("no GPIO")
    assert gpio.led.show(LedState(sii_pending=True)) == SLOW_BLINK  # remembered for the admin page
    gpio.buzzer.beep_scan()
    gpio.buzzer.beep_error()
    gpio.drawer.pulse(100)
    assert not gpio.drawer.fitted
    gpio.close()


def test_a_bad_pin_is_an_error_but_the_rest_works(gpio_factory: MockFactory) -> None:
    gpio = open_gpio(GpioPins(status_led=17, buzzer=17, drawer_relay=99), pin_factory=gpio_factory)
    try:
        health = gpio.health()
        assert health.state is HealthState.ERROR
        assert "buzzer on GPIO17" in health.detail and "drawer relay on GPIO99" in health.detail
        gpio.led.show(LedState())
        assert gpio_factory.pin(17).state is True
        gpio.buzzer.beep_scan()  # no-op, no exception
    finally:
        gpio.close()


def test_health_lists_what_is_fitted(gpio_factory: MockFactory) -> None:
    gpio = open_gpio(GpioPins(buzzer=None), pin_factory=gpio_factory)
    try:
        assert gpio.health().state is HealthState.OK
        assert gpio.health().detail == "GPIO: LED GPIO17, button GPIO3"
    finally:
        gpio.close()
