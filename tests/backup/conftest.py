"""Fixtures for the backup tests: a shop that can sell, a local S3 (moto) on 127.0.0.1, and a running supervisor.

Everything runs the real `litestream` binary from the venv; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from appliance.backup.destination import FileDestination
from appliance.backup.supervisor import Supervisor
from appliance.settings import Settings
from tests.backup.support import BUCKET, Moto, prepare_selling, use_destination, wait_for
from tests.support import make_shop


@pytest.fixture(scope="session")
def template_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = make_shop(tmp_path_factory.mktemp("template") / "shop")
    asyncio.run(prepare_selling(settings))
    conn = sqlite3.connect(settings.database_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return settings.data_dir


@pytest.fixture
def shop(template_shop: Path, tmp_path: Path) -> Settings:
    """A migrated shop with a product, a lane and an open cash session (a copy of one built once per session)."""
    shutil.copytree(template_shop, tmp_path / "shop")
    return Settings.load(tmp_path / "shop")


@pytest.fixture
def moto() -> Iterator[Moto]:
    server = Moto()
    server.start()
    # moto keeps its buckets in this process across servers: start every test from an empty store.
    httpx.post(f"{server.endpoint}/moto-api/reset", timeout=10).raise_for_status()
    server.client().create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


async def start_supervisor(settings: Settings, poll: float = 0.2, init_timeout: float = 30.0) -> Supervisor:
    """A supervisor in this event loop, polled quickly, returned once Litestream has synced once."""
    supervisor = Supervisor(settings, poll=poll, init_timeout=init_timeout)
    assert await supervisor.start()

    async def running() -> bool:
        return supervisor.state.phase == "replicando"

    await wait_for(running, 30, "Litestream running")
    return supervisor


@pytest.fixture
async def supervised(shop: Settings) -> AsyncIterator[Supervisor]:
    """The shop's default destination (a directory in its data dir), replicated by a running supervisor."""
    use_destination(shop, FileDestination(shop.data_dir / "replica"))
    supervisor = await start_supervisor(shop)
    yield supervisor
    await supervisor.stop()
