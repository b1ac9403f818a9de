"""What the app runs: the supervisor unless another process already supervises, the monitor feeding the LED."""

from __future__ import annotations

from appliance.backup import health
from appliance.backup.destination import FileDestination
from appliance.backup.health import BackupStatus
from appliance.backup.service import BackupService
from appliance.settings import Settings
from tests.backup.support import fully_replicated, sell, use_destination, wait_for


async def test_app_side_service_supervises_once_and_reports_to_the_led(shop: Settings) -> None:
    use_destination(shop, FileDestination(shop.data_dir / "replica"))
    heard: list[BackupStatus] = []
    app = BackupService(shop, on_status=heard.append, nightly_at=None, poll=0.2)
    other = BackupService(shop, nightly_at=None, poll=0.2)  # e.g. a second app process, or litestream.service
    await app.start()
    await other.start()
    try:
        assert app.supervising and not other.supervising
        await sell(shop, 2)
        await wait_for(lambda: fully_replicated(shop), 30, "the replica to catch up")

        async def al_dia() -> bool:
            return app.status.level == health.OK and app.status.last_sync_at is not None

        await wait_for(al_dia, 30, "the status to say al día")
        assert heard and not heard[-1].lagging  # the LED's double blink is off
        assert (await app.test_connection()).ok
    finally:
        await other.stop()
        await app.stop()
    assert not app.supervising
