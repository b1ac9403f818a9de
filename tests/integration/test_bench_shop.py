"""Which shops `minimarket bench` agrees to sell in: the one it builds, or the demo shop; any other data directory
gets a Spanish error and a non-zero exit before anything is written. No bench runs here (test_bench.py runs one)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from appliance import bench, cli
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.demo import shop
from appliance.settings import Settings
from appliance.users import service as users
from tests.support import make_shop, run

NOT_OURS = "no es una tienda de prueba del benchmark ni de demostración"


def _bench(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["bench", "--data-dir", str(data_dir), "--tablets", "1", "--seconds", "1", "--pace", "0"])
    return code, capsys.readouterr().err


def _bench_lanes(settings: Settings) -> int:
    conn = sqlite3.connect(settings.database_path)
    try:
        return int(conn.execute("SELECT count(*) FROM lanes WHERE code LIKE 'bench-%'").fetchone()[0])
    finally:
        conn.close()


def test_a_shop_with_only_an_administrator_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # What `minimarket user add admin --role administrador` leaves, with `minimarket serve` run on it.
    settings = Settings.load(tmp_path / "shop")
    settings.ensure_dirs()
    migrate.upgrade(settings.database_path, settings.backups_dir)

    async def add_admin() -> None:
        db = Database(settings.database_path)
        try:
            async with db.write() as session:
                await users.create(
                    session,
                    username="admin",
                    full_name="Admin",
                    role="administrador",
                    password="una-clave-larga",
                    actor_id=None,
                )
        finally:
            await db.dispose()

    run(add_admin())
    code, err = _bench(settings.data_dir, capsys)
    assert code != 0
    assert err.startswith("error: ") and NOT_OURS in err and "Traceback" not in err
    assert _bench_lanes(settings) == 0  # refused before writing anything


def test_a_real_shop_with_a_cashier_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A shop of its own (another company) with a cashier: the bench would sell in it and change a PIN, so it won't.
    settings = make_shop(tmp_path / "shop")
    code, err = _bench(settings.data_dir, capsys)
    assert code == 2 and NOT_OURS in err
    assert _bench_lanes(settings) == 0


def test_a_folder_without_a_shop_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notas.txt").write_text("no es una tienda")
    code, err = _bench(tmp_path, capsys)
    assert code == 2 and "no está vacía y no tiene una tienda" in err
    assert not (tmp_path / "minimarket.sqlite").exists()


def test_the_demo_shop_is_accepted_and_keeps_its_pin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import select

    from appliance.db.models import User

    settings = Settings.load(tmp_path / "demo")
    run(shop.build(settings))  # what `minimarket demo --no-serve` leaves
    assert bench.refusal(settings.data_dir) is None

    tokens = run(bench.build_shop(settings, catalog=0, history=0, tablets=2))
    assert len(tokens) == 2 and _bench_lanes(settings) == 2

    async def cashier_pin_is(pin: str) -> bool:
        db = Database(settings.database_path)
        try:
            async with db.read() as session:
                cashier = await session.scalar(select(User).where(User.username == "cajero"))
                assert cashier is not None and cashier.pin_hash is not None
                return users.verify_password(cashier.pin_hash, pin)
        finally:
            await db.dispose()

    # The bench signs in as the demo's cashier with the PIN the demo publishes, so the demo keeps working after it.
    assert shop.DEMO_PINS["cajero"] == bench.PIN
    assert run(cashier_pin_is(shop.DEMO_PINS["cajero"]))

    # The demo shop without its cashier: said plainly, not an AssertionError.
    conn = sqlite3.connect(settings.database_path)
    with conn:
        conn.execute("UPDATE users SET active = 0 WHERE username = 'cajero'")
    conn.close()
    code, err = _bench(settings.data_dir, capsys)
    assert code == 2 and "sin el usuario «cajero»" in err
    with pytest.raises(bench.NotABenchShop, match="cajero"):
        run(bench.build_shop(settings, catalog=0, history=0, tablets=1))
