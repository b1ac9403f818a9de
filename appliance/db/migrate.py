"""Schema migrations: Alembic, each upgrade preceded by a consistent snapshot so a failed one can be undone.

The snapshot is taken with `VACUUM INTO`, which writes a consistent copy even while the WAL holds frames. If the
upgrade fails, the database file is put back from the snapshot, so the shop reopens exactly as it was.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class MigrationFailed(Exception):
    def __init__(self, message: str, snapshot: Path | None) -> None:
        super().__init__(message)
        self.snapshot = snapshot


def alembic_config(script_location: Path = MIGRATIONS_DIR) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


@contextmanager
def _sync_connection(db_path: Path) -> Iterator[Connection]:
    engine = create_engine(f"sqlite:///{db_path}", poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=FULL")
        # Batch migrations copy tables; foreign keys are checked after, not during.
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def current_revision(db_path: Path) -> str | None:
    from alembic.runtime.migration import MigrationContext

    if not db_path.exists():
        return None
    with _sync_connection(db_path) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()


def snapshot(db_path: Path, dest_dir: Path, label: str) -> Path:
    """A consistent copy of the live database (VACUUM INTO), safe to take while the app runs."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dest = dest_dir / f"{db_path.stem}-{label}-{stamp}.sqlite"
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("VACUUM INTO ?", (str(dest),))
    finally:
        conn.close()
    return dest


def _restore_file(snapshot_path: Path, db_path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot_path, db_path)


_REVISION_RE = re.compile(r'^(down_revision|revision)\s*(?::[^=]*)?=\s*[\'"]?([\w-]+|None)[\'"]?', re.MULTILINE)


def is_current(db_path: Path, script_location: Path = MIGRATIONS_DIR) -> bool:
    """Whether the database is at the head revision, answered without importing Alembic.

    Importing Alembic (and Mako with it) costs seconds on a Pi; every boot would pay it for nothing.
    """
    if not db_path.exists():
        return False
    revisions, parents = set(), set()
    for script in (script_location / "versions").glob("*.py"):
        found = dict(_REVISION_RE.findall(script.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            parents.add(found.get("down_revision", "None"))
    heads = revisions - parents
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return len(heads) == 1 and {r[0] for r in rows} == heads


def upgrade(
    db_path: Path,
    backups_dir: Path,
    revision: str = "head",
    *,
    script_location: Path = MIGRATIONS_DIR,
) -> Path | None:
    """Bring the database to `revision`. Returns the pre-upgrade snapshot, if one was needed."""
    if revision == "head" and is_current(db_path, script_location):
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(script_location)
    before = current_revision(db_path)
    target = ScriptDirectory.from_config(cfg).get_current_head() if revision == "head" else revision
    if before == target and db_path.exists():
        return None
    snap = None
    if db_path.exists() and before is not None:
        snap = snapshot(db_path, backups_dir, f"pre-upgrade-{before}")
        log.info("snapshot before upgrade: %s", snap)
    try:
        with _sync_connection(db_path) as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
            _check_foreign_keys(conn)
    except Exception as exc:
        if snap is not None:
            _restore_file(snap, db_path)
            raise MigrationFailed(f"la actualización falló y se restauró la copia previa: {exc}", snap) from exc
        raise MigrationFailed(f"la actualización falló: {exc}", None) from exc
    return snap


def downgrade(db_path: Path, backups_dir: Path, revision: str) -> Path:
    from alembic import command

    snap = snapshot(db_path, backups_dir, f"pre-downgrade-{current_revision(db_path)}")
    cfg = alembic_config()
    with _sync_connection(db_path) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()
    return snap


def _check_foreign_keys(conn: Connection) -> None:
    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"claves foráneas rotas tras migrar: {problems[:5]}")
