"""Each data dir has its own Litestream metrics port, chosen once and kept in backup.json: two shops on one machine
both replicate, instead of the second one's Litestream failing to bind 127.0.0.1:9091 and restarting forever."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.backup import config, destination, health
from appliance.backup import state as supervisor_state
from appliance.backup.destination import (
    LEGACY_METRICS_PORT,
    METRICS_PORTS,
    BackupSettings,
    FileDestination,
    S3Destination,
)
from appliance.backup.supervisor import Supervisor
from appliance.settings import Settings
from tests.backup.conftest import start_supervisor
from tests.backup.support import fully_replicated, sell, wait_for


@contextmanager
def listening(port: int) -> Iterator[None]:
    """Something (another shop's Litestream, say) holding `port` on 127.0.0.1."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        yield


def stored_port(settings: Settings) -> object:
    return json.loads(destination.settings_path(settings).read_text(encoding="utf-8"))["metrics_port"]


def write_legacy_settings(settings: Settings, backup: BackupSettings) -> None:
    """backup.json as every box wrote it before ports were chosen: with the fixed 9091."""
    data = replace(backup, metrics_port=LEGACY_METRICS_PORT).to_json()
    destination.settings_path(settings).write_text(json.dumps(data), encoding="utf-8")


def test_a_new_data_dir_chooses_a_free_port_and_keeps_it(tmp_path: Path) -> None:
    first = Settings.load(tmp_path / "a")
    port = destination.load(first).metrics_port
    assert port in METRICS_PORTS and stored_port(first) == port
    with listening(port):  # its own Litestream, running: the port stays
        assert destination.load(first).metrics_port == port
        second = Settings.load(tmp_path / "b")
        assert destination.load(second).metrics_port not in (port, LEGACY_METRICS_PORT)
    cfg = json.loads(config.write(first, destination.load(first)).read_text(encoding="utf-8").split("\n", 1)[1])
    assert cfg["addr"] == f"127.0.0.1:{port}"


def test_the_old_fixed_port_is_replaced_once_and_the_rest_kept(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    legacy = BackupSettings(S3Destination("tienda", "caja", "https://r2.example.com", "auto"), retention_days=30)
    write_legacy_settings(settings, legacy)
    loaded = destination.load(settings)
    assert loaded.metrics_port != LEGACY_METRICS_PORT and stored_port(settings) == loaded.metrics_port
    assert loaded == replace(legacy, metrics_port=loaded.metrics_port)
    assert destination.load(settings) == loaded


def test_saving_keeps_the_data_dirs_port(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    port = destination.load(settings).metrics_port
    # The back office and the CLI change the destination of what they loaded; a caller may also build settings anew.
    destination.save(settings, destination.with_destination(destination.load(settings), FileDestination(tmp_path)))
    destination.save(settings, BackupSettings(FileDestination(tmp_path / "usb"), local_snapshot_days=3))
    assert destination.load(settings).metrics_port == port == stored_port(settings)
    assert destination.load(settings).local_snapshot_days == 3


def test_processes_loading_a_new_data_dir_at_once_agree_on_its_port(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    with ThreadPoolExecutor(8) as pool:  # each load opens its own lock file description, as processes do
        ports = set(pool.map(lambda _: destination.load(settings).metrics_port, range(16)))
    assert ports == {stored_port(settings)}


def test_a_port_in_use_is_not_chosen() -> None:
    free = destination.choose_metrics_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert destination.choose_metrics_port([busy, LEGACY_METRICS_PORT, free]) == free
        with pytest.raises(OSError):
            destination.choose_metrics_port([busy])


def test_a_stored_port_outside_the_usable_range_is_refused(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    destination.settings_path(settings).write_text(json.dumps({"metrics_port": 80}), encoding="utf-8")
    with pytest.raises(destination.DestinationError, match="puerto"):
        destination.load(settings)


@pytest.mark.parametrize("history", ["new", "upgraded"])
async def test_two_shops_on_one_machine_both_replicate(template_shop: Path, tmp_path: Path, history: str) -> None:
    shops = []
    for name in ("almacen-a", "almacen-b"):
        shutil.copytree(template_shop, tmp_path / name)
        shop = Settings.load(tmp_path / name)
        if history == "upgraded":  # both boxes' backup.json say 9091, as the app wrote it before this fix
            write_legacy_settings(shop, BackupSettings(FileDestination(shop.data_dir / "replica")))
        shops.append(shop)

    supervisors: list[Supervisor] = []
    try:
        for shop in shops:  # the second starts while the first one's Litestream holds its port
            supervisors.append(await start_supervisor(shop))
        await sell(shops[0], 2)
        await sell(shops[1], 2)
        for shop in shops:

            async def replicated(shop: Settings = shop) -> bool:
                return await fully_replicated(shop)

            await wait_for(replicated, 30, f"{shop.data_dir.name} replicated")

        ports = [destination.load(shop).metrics_port for shop in shops]
        assert len(set(ports)) == 2 and LEGACY_METRICS_PORT not in ports
        for shop, port, supervisor in zip(shops, ports, supervisors, strict=True):
            assert supervisor.state.phase == supervisor_state.RUNNING and supervisor.state.restarts == 0
            assert not any("address already in use" in line for line in supervisor.output)
            metrics = await health.scrape(f"http://127.0.0.1:{port}/metrics", shop.database_path)
            assert metrics is not None and metrics.syncs > 0  # this shop's own Litestream answers on its port
            status = await health.status(shop)
            assert status.level == health.OK, status.detail
        other = await health.scrape(f"http://127.0.0.1:{ports[0]}/metrics", shops[1].database_path)
        assert other is not None and other.syncs == 0  # the first port reports only the first shop
    finally:
        for supervisor in supervisors:
            await supervisor.stop()
    # Kept for the next start: the supervisor regenerates litestream.yml from backup.json each time.
    assert [destination.load(shop).metrics_port for shop in shops] == ports
