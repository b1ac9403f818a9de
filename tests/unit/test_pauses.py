"""The server freezes its start-up objects, so a collection walks only what requests created since."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from appliance.core.pauses import freeze_startup_objects


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


def test_start_up_objects_are_out_of_the_collectors_walk(unfrozen: None) -> None:
    held = [{"line": n, "flags": {"n": n}} for n in range(10_000)]  # a loaded app's long-lived objects
    assert freeze_startup_objects() >= len(held)
    later = {"a request's": {"cart": []}}
    walked = {id(obj) for obj in gc.get_objects()}  # every generation the collector walks
    assert id(held) not in walked and not any(id(row) in walked for row in held)
    assert id(later) in walked  # what comes after start-up is collected as usual
