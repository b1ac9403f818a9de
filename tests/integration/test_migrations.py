"""Migrations on real SQLite files: up from empty, down and up again, and a failed upgrade that restores itself."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from appliance.db import migrate


def _schema(db: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Every object's definition as a sorted set of its lines: a batch rebuild may list constraints in another order."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'alembic%' ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    return [(name, tuple(sorted(line.strip().rstrip(",") for line in sql.splitlines()))) for name, sql in rows]


def test_upgrade_from_empty_creates_schema_search_and_ledger_guards(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    assert migrate.upgrade(db, tmp_path / "backups") is None  # nothing to snapshot yet
    assert migrate.current_revision(db) == migrate.head_revision()
    names = {name for name, _ in _schema(db)}
    assert {
        "products",
        "stock_moves",
        "stock_levels",
        "product_search",
        "customers",
        "suppliers",
        "audit_log",
        "company",
        "users",
        "categories",
        "price_changes",
        "barcode_layouts",
    } <= names
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in conn.execute("SELECT code FROM locations ORDER BY id")] == ["sala", "bodega"]
    conn.close()


def test_downgrade_then_upgrade_round_trip_gives_the_same_schema(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    migrate.upgrade(db, tmp_path / "backups")
    before = _schema(db)
    snapshot = migrate.downgrade(db, tmp_path / "backups", "base")
    assert snapshot.exists()
    assert {name for name, _ in _schema(db)} == set()
    migrate.upgrade(db, tmp_path / "backups")
    assert _schema(db) == before


def test_failed_upgrade_restores_the_snapshot_taken_before_it(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    migrate.upgrade(db, tmp_path / "backups")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("INSERT INTO categories (name, sort_order) VALUES ('Lácteos', 0)")
    conn.commit()  # left in the WAL: the snapshot must still see it
    conn.close()

    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (scripts / "versions" / "9999_broken.py").write_text(
        "from alembic import op\n"
        "revision = '9999'\n"
        f"down_revision = {head!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n"
        "def upgrade():\n"
        "    op.execute('CREATE TABLE half_done (id INTEGER)')\n"
        "    op.execute('DELETE FROM categories')\n"
        "    raise RuntimeError('boom')\n"
        "def downgrade():\n"
        "    pass\n"
    )
    with pytest.raises(migrate.MigrationFailed) as failure:
        migrate.upgrade(db, tmp_path / "backups", script_location=scripts)
    assert failure.value.snapshot is not None and failure.value.snapshot.exists()
    assert migrate.current_revision(db) == head
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM categories")] == ["Lácteos"]
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_stock_ledger_and_audit_log_are_append_only(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    migrate.upgrade(db, tmp_path / "backups")
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO products (code, name, short_name, unit, price, tax, is_alcohol, is_tobacco, "
        "age_restricted, min_stock, avg_cost, active, created_at, updated_at) "
        "VALUES ('P1', 'Pan', 'Pan', 'unit', 100, 'afecto', 0, 0, 0, 0, 0, 1, '2026-01-01', '2026-01-01')"
    )
    conn.execute(
        "INSERT INTO stock_moves (at, product_id, location_id, quantity, reason, ref_type, ref_id, note) "
        "VALUES ('2026-01-01', 1, 1, 1000, 'inicial', '', '', '')"
    )
    conn.commit()
    for statement in ("UPDATE stock_moves SET quantity = 5", "DELETE FROM stock_moves"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """A model changed without its migration shows up here as a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from appliance.db.migrations.env_support import include_name
    from appliance.db.models import Base

    db = tmp_path / "shop.sqlite"
    migrate.upgrade(db, tmp_path / "backups")
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_is_current_answers_without_alembic_and_agrees_with_it(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    assert not migrate.is_current(db)
    migrate.upgrade(db, tmp_path / "backups", "0001")
    assert not migrate.is_current(db)
    migrate.upgrade(db, tmp_path / "backups")
    assert migrate.is_current(db)
    assert migrate.current_revision(db) == migrate.head_revision()
