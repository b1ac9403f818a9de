"""The supervisor: one per data dir, Litestream restarted when it dies, stopped cleanly, never given AWS_CA_BUNDLE."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from appliance.backup import state
from appliance.backup.supervisor import Supervisor
from appliance.settings import Settings
from tests.backup.support import fully_replicated, sell, wait_for


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.fixture
def ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on machines that set it globally (this one does); Litestream's S3 client refuses to start with it.
    monkeypatch.setenv("AWS_CA_BUNDLE", os.environ.get("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))


async def test_restarts_litestream_when_it_dies_and_stops_it_cleanly(
    ca_bundle: None, supervised: Supervisor, shop: Settings
) -> None:
    first = supervised.state.child_pid
    assert first is not None
    assert "AWS_CA_BUNDLE" not in _environ(first)
    assert state.is_running(shop) and state.read_state(shop).phase == state.RUNNING  # type: ignore[union-attr]
    assert not await Supervisor(shop).start()  # the lock: one supervisor per data dir

    os.kill(first, signal.SIGKILL)

    async def replaced() -> bool:
        return supervised.state.phase == state.RUNNING and supervised.state.child_pid not in (None, first)

    await wait_for(replaced, 30, "a new Litestream")
    assert supervised.state.restarts == 1
    await sell(shop, 3)
    await wait_for(lambda: fully_replicated(shop), 30, "the replica to catch up after the restart")

    second = supervised.state.child_pid
    assert second is not None
    await supervised.stop()
    assert not _alive(second)
    assert not state.is_running(shop) and state.read_state(shop) is None
    assert any("litestream shut down" in line for line in supervised.output)  # it got SIGTERM, not SIGKILL
