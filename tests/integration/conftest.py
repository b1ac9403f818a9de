"""Fixtures shared by the integration tests."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


@pytest.fixture
def thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the inline connections sent to a worker thread, in order: "BEGIN" (the write lock was taken by another
    process) or "commit" (a COMMIT that may wait on the disk). Every other statement runs on the event loop."""
    sent: list[str] = []
    to_thread = asyncio.to_thread

    async def recording(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(args[0]).split()[0] if args else fn.__name__)
        return await to_thread(fn, *args, **kwargs)

    monkeypatch.setattr("appliance.db.inline.asyncio.to_thread", recording)
    return sent
