"""The demo shop built for real in a temporary data directory: catalog, people, stock and months of sales."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import is_valid_rut
from appliance.demo import shop
from appliance.settings import Settings
from tests.support import run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, sqlite3.Connection]]:
    settings = Settings.load(tmp_path_factory.mktemp("demo"))
    summary = run(shop.build(settings, history_days=30))
    assert summary.created and summary.products >= 1500
    conn = sqlite3.connect(settings.database_path)
    yield settings, conn
    conn.close()


def _one(conn: sqlite3.Connection, sql: str) -> object:
    return conn.execute(sql).fetchone()[0]


def test_catalog_covers_a_minimarket(demo: tuple[Settings, sqlite3.Connection]) -> None:
    _, conn = demo
    tops = {r[0] for r in conn.execute("SELECT name FROM categories WHERE parent_id IS NULL")}
    assert {
        "Abarrotes",
        "Lácteos",
        "Bebidas",
        "Panadería",
        "Fiambrería",
        "Frutas y verduras",
        "Limpieza",
        "Cigarrillos",
        "Alcoholes",
    } <= tops
    assert _one(conn, "SELECT count(*) FROM products WHERE additional_tax IN (27, 271)") > 20
    assert _one(conn, "SELECT count(*) FROM products WHERE unit = 'kg' AND plu IS NOT NULL") > 50
    assert _one(conn, "SELECT count(*) FROM products WHERE container_product_id IS NOT NULL") > 10
    assert _one(conn, "SELECT count(*) FROM products WHERE category_id IS NULL") == 0
    assert _one(conn, "SELECT count(*) FROM barcode_layouts") == 2


def test_people_and_company(demo: tuple[Settings, sqlite3.Connection]) -> None:
    _, conn = demo
    assert _one(conn, "SELECT count(*) FROM suppliers") >= 10
    assert _one(conn, "SELECT count(*) FROM customers") >= 30
    assert _one(conn, "SELECT count(*) FROM customers WHERE blocked") >= 1
    roles = {r[0] for r in conn.execute("SELECT role FROM users")}
    assert roles == {"administrador", "supervisor", "cajero", "dueno"}
    assert is_valid_rut(str(_one(conn, "SELECT rut FROM company")))
    assert all(is_valid_rut(r[0]) for r in conn.execute("SELECT rut FROM suppliers"))


def test_stock_in_sala_and_bodega_adds_up(demo: tuple[Settings, sqlite3.Connection]) -> None:
    _, conn = demo
    per_location = dict(
        conn.execute(
            "SELECT l.code, count(*) FROM stock_levels s JOIN locations l ON l.id = s.location_id GROUP BY l.code"
        ).fetchall()
    )
    assert per_location["sala"] > 1000 and per_location["bodega"] > 500
    drift = conn.execute(
        "SELECT s.product_id FROM stock_levels s LEFT JOIN (SELECT product_id, location_id, sum(quantity) q "
        "FROM stock_moves GROUP BY 1, 2) m USING (product_id, location_id) WHERE s.quantity != coalesce(m.q, 0)"
    ).fetchall()
    assert drift == []


def test_sales_history_is_consistent(demo: tuple[Settings, sqlite3.Connection]) -> None:
    _, conn = demo
    assert _one(conn, "SELECT count(*) FROM sales") == 30 * 200
    # Lines add up to the total; IVA is the gross split; cash payments carry the Ley 20.956 rounding.
    assert (
        _one(
            conn,
            "SELECT count(*) FROM sales s WHERE total != (SELECT sum(amount) FROM sale_lines WHERE sale_id = s.id)",
        )
        == 0
    )
    assert (
        _one(
            conn,
            "SELECT count(*) FROM sales s WHERE total + cash_rounding != "
            "(SELECT sum(amount) FROM payments WHERE sale_id = s.id)",
        )
        == 0
    )
    assert _one(conn, "SELECT count(*) FROM payments WHERE method = 'efectivo' AND amount % 10 != 0") == 0
    assert _one(conn, "SELECT count(*) FROM sales WHERE abs(cash_rounding) > 5") == 0
    assert _one(conn, "SELECT count(*) FROM stock_moves WHERE reason = 'venta'") == _one(
        conn, "SELECT count(*) FROM sale_lines"
    )
    # What was sold was restocked, so the history leaves no product far below zero.
    assert _one(conn, "SELECT count(*) FROM stock_levels WHERE quantity < 0") == 0
    last = datetime.fromisoformat(str(_one(conn, "SELECT max(at) FROM sales"))).replace(tzinfo=UTC)
    assert last < datetime.now(UTC)


def test_second_run_reuses_the_shop(demo: tuple[Settings, sqlite3.Connection]) -> None:
    settings, conn = demo
    before = _one(conn, "SELECT count(*) FROM products")
    summary = run(shop.build(settings))
    assert not summary.created
    assert _one(conn, "SELECT count(*) FROM products") == before


def test_demo_users_can_log_in(demo: tuple[Settings, sqlite3.Connection]) -> None:
    from litestar.testing import TestClient

    from appliance.app import create_app
    from tests.support import login

    settings, _ = demo
    with TestClient(create_app(settings)) as client:
        for username, _name, _role, password in shop.DEMO_USERS:
            login(client, username, password)
            assert client.get("/").status_code == 200
            client.cookies.clear()


def test_demo_data_dir_is_self_contained(demo: tuple[Settings, sqlite3.Connection]) -> None:
    settings, _ = demo
    key = settings.secrets_dir / "app.key"
    assert not key.exists() or (key.stat().st_mode & 0o077) == 0
    assert (settings.secrets_dir.stat().st_mode & 0o077) == 0
    assert Path(settings.database_path).parent == settings.data_dir


def _history_figures(conn: sqlite3.Connection) -> tuple[object, ...]:
    return tuple(
        _one(conn, sql)
        for sql in (
            "SELECT count(*) FROM sales",
            "SELECT count(*) FROM sale_lines",
            "SELECT count(*) FROM stock_moves",
            "SELECT coalesce(sum(quantity), 0) FROM stock_moves",
            "SELECT max(number) FROM sales",
        )
    )


def test_history_is_generated_once_per_day(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    today = datetime.now(UTC).date() - timedelta(days=10)  # every day of the test well in the past
    first = run(shop.build(settings, history_days=2, today=today))
    assert first.created and (first.history_filled, first.history_sales) == (2, 400)
    assert first.history_message() == "Historial generado: 400 ventas en 2 días."
    conn = sqlite3.connect(settings.database_path)
    try:
        before = _history_figures(conn)
        assert before[0] == 400

        # The same command again reopens the shop as it is: no sale and no stock move twice.
        again = run(shop.build(settings, history_days=2, today=today))
        assert not again.created and (again.history_filled, again.history_sales) == (0, 0)
        assert again.history_message() == (
            "Historial ya generado: los 2 días hasta ayer ya tienen ventas; no se agregó nada."
        )
        assert _history_figures(conn) == before

        # More days, or days later: only the days without sales get theirs.
        wider = run(shop.build(settings, history_days=4, today=today))
        assert (wider.history_filled, wider.history_sales) == (2, 400)
        assert wider.history_message() == "Historial generado: 400 ventas en 2 días (los otros 2 ya tenían ventas)."
        later = run(shop.build(settings, history_days=4, today=today + timedelta(days=1)))
        assert (later.history_filled, later.history_sales) == (1, 200)
        per_day = Counter(
            datetime.fromisoformat(at).replace(tzinfo=UTC).astimezone(CHILE_TZ).date()
            for (at,) in conn.execute("SELECT at FROM sales")
        )
        assert per_day == {today - timedelta(days=back): 200 for back in range(5)}  # today-4 … today
        # The ledger still adds up, and the sales kept one correlative each.
        assert _one(conn, "SELECT count(DISTINCT number) FROM sales") == 1000
        assert _one(conn, "SELECT count(*) FROM stock_moves WHERE reason = 'venta'") == _one(
            conn, "SELECT count(*) FROM sale_lines"
        )
        assert _one(conn, "SELECT count(*) FROM stock_levels WHERE quantity < 0") == 0
    finally:
        conn.close()
