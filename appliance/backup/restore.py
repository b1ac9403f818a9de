"""`minimarket restore`: the database rebuilt from the off-site replica, checked, and ready to sell.

Two uses:
- A new box (or a new SD card): restore the latest state into DATA_DIR. An existing database is never overwritten
  unless told (`force`), and then it is moved aside into backups/, not deleted.
- `at`: the state at a past moment, into a separate file for inspection; the live database is not touched.

Litestream writes into a temporary file beside the target, checks it, and only then is it moved into place, so an
interrupted restore leaves nothing half-written. The folio counters travel inside the database (caf_ranges), so the
restored box continues from the next folio; the CAF files and the certificate live in the secrets directory, which
is not replicated (it holds keys), so the report says if any is missing.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from appliance.backup import config, destination, state
from appliance.backup import litestream as ls
from appliance.backup.destination import BackupSettings, Destination, S3Destination, S3Keys
from appliance.backup.supervisor import reachable
from appliance.core.clock import CHILE_TZ
from appliance.db import migrate
from appliance.settings import Settings
from appliance.sii.folios import caf_dir
from appliance.sii.stamping import certificate_store


class RestoreError(Exception):
    """Why a restore did not happen, in Spanish, for the terminal or the first-boot screen."""


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    replica: str
    at: datetime | None
    integrity: str
    sales: int
    last_sale_at: str | None
    next_folios: dict[int, int]
    last_folios: dict[int, int]
    missing_secrets: list[str] = field(default_factory=list)
    replaced: Path | None = None

    @property
    def ready_to_sell(self) -> bool:
        return self.integrity == "ok" and not self.missing_secrets and self.at is None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            path=str(self.path),
            at=self.at.isoformat() if self.at else None,
            replaced=str(self.replaced) if self.replaced else None,
            ready_to_sell=self.ready_to_sell,
        )
        return data


def parse_time(text: str) -> datetime:
    """`--at`: ISO 8601; without an offset it is Chile local time (what the shopkeeper reads on the receipts)."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise RestoreError(f"Fecha y hora no válida: {text!r} (use por ejemplo 2026-11-20T15:30:00).") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHILE_TZ)
    return parsed.astimezone(UTC)


def _restore_config(target: Path, replica: Destination, folder: Path) -> Path:
    """A one-database config naming the replica; Litestream restores "the database at `target`" from it."""
    section = config.replica_section(BackupSettings(destination=replica))
    path = folder / "restore.yml"
    path.write_text(json.dumps({"dbs": [{"path": str(target), "replica": section}]}), encoding="utf-8")
    path.chmod(0o600)
    return path


async def _litestream_restore(
    target: Path, out: Path, replica: Destination, keys: S3Keys | None, at: datetime | None
) -> None:
    with tempfile.TemporaryDirectory(prefix="minimarket-restore-") as folder:
        cfg = _restore_config(target, replica, Path(folder))
        args = ["restore", "-no-expand-env", "-config", str(cfg), "-o", str(out), "-integrity-check", "full"]
        if at is not None:
            args += ["-timestamp", at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")]
        # Generous: a year of sales over a slow shop connection takes a while to come down.
        done = await ls.run([*args, str(target)], keys=keys, within=3 * 3600)
    _check_done(done, out, replica)


def _check_done(done: ls.Completed, out: Path, replica: Destination) -> None:
    if done.returncode == 0 and out.exists():
        return
    message = (done.stderr or done.stdout).strip().splitlines()
    last = message[-1] if message else f"código {done.returncode}"
    if "no matching backup" in last or "no backups found" in last or "timestamp does not exist" in last:
        raise RestoreError(f"No hay respaldo en {replica.describe()} para ese momento ({last}).")
    raise RestoreError(f"Litestream no pudo restaurar desde {replica.describe()}: {last}")


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def _facts(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        facts: dict[str, Any] = {"sales": 0, "last_sale_at": None, "next_folios": {}, "last_folios": {}, "cafs": []}
        if "sales" in tables:
            facts["sales"], facts["last_sale_at"] = conn.execute("SELECT count(*), max(at) FROM sales").fetchone()
        if "caf_ranges" in tables:
            rows = conn.execute(
                "SELECT tipo, min(next_folio) FROM caf_ranges WHERE next_folio <= folio_to GROUP BY tipo"
            )
            facts["next_folios"] = {int(t): int(n) for t, n in rows}
            facts["cafs"] = [
                r[0] for r in conn.execute("SELECT file_name FROM caf_ranges WHERE next_folio <= folio_to")
            ]
        if "sii_documents" in tables:
            rows = conn.execute("SELECT tipo, max(folio) FROM sii_documents GROUP BY tipo")
            facts["last_folios"] = {int(t): int(n) for t, n in rows}
        return facts
    finally:
        conn.close()


def _missing_secrets(settings: Settings, cafs: list[str]) -> list[str]:
    missing = [f"CAF {name}" for name in cafs if not (caf_dir(settings.secrets_dir) / name).exists()]
    if not certificate_store(settings.secrets_dir).exists():
        missing.append("certificado digital (.pfx y su clave)")
    return missing


def _move_aside(settings: Settings) -> Path:
    """The database being replaced goes to backups/, with its WAL; Litestream's local state for it is dropped."""
    db = settings.database_path
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = settings.backups_dir / f"{db.stem}-replaced-{stamp}.sqlite"
    settings.backups_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db}{suffix}")
        if source.exists():
            shutil.move(str(source), f"{aside}{suffix}")
    shutil.rmtree(db.parent / f".{db.name}-litestream", ignore_errors=True)
    return aside


async def restore(
    settings: Settings,
    replica: Destination | None = None,
    *,
    keys: S3Keys | None = None,
    force: bool = False,
    at: datetime | None = None,
    output: Path | None = None,
) -> RestoreReport:
    """Restore the latest state into the data dir, or the state `at` a moment into `output` (a separate file)."""
    settings.ensure_dirs()
    replica = replica or destination.load(settings).destination
    keys = keys or destination.load_keys(settings) or destination.keys_from_env()
    target, partial = _prepare(settings, force=force, at=at, output=output)
    # Litestream retries an unreachable store forever: find out first, and say it plainly.
    if isinstance(replica, S3Destination) and keys is None:
        raise RestoreError("Faltan las claves de acceso del respaldo (Access Key ID y Secret Access Key).")
    why = await reachable(replica)
    if why is not None:
        raise RestoreError(f"No se puede leer el respaldo en {replica.describe()}: {why}.")
    await _litestream_restore(settings.database_path, partial, replica, keys, at)
    return _finish(settings, replica, target, partial, at)


def _prepare(settings: Settings, *, force: bool, at: datetime | None, output: Path | None) -> tuple[Path, Path]:
    """Refuse what must not happen; return the target and the temporary file Litestream writes first."""
    live = settings.database_path
    if at is None:
        target = live
        if state.is_running(settings):
            raise RestoreError(
                "El respaldo (Litestream) está funcionando sobre esta caja: detenga los servicios antes de "
                "restaurar (sudo systemctl stop minimarket litestream)."
            )
        if live.exists() and not force:
            raise RestoreError(
                f"Ya hay una base de datos en {live}: no se sobrescribe. Use --force para reemplazarla "
                f"(la actual se guarda en {settings.backups_dir})."
            )
    else:
        stamp = at.astimezone(CHILE_TZ).strftime("%Y%m%dT%H%M%S")
        target = output or settings.backups_dir / f"{live.stem}-at-{stamp}.sqlite"
        if target.resolve() == live.resolve():
            raise RestoreError("Una restauración a un momento pasado va a un archivo aparte, no a la base en uso.")
        if target.exists() and not force:
            raise RestoreError(f"Ya existe {target}: elija otro --output o use --force.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    return target, partial


def _finish(
    settings: Settings, replica: Destination, target: Path, partial: Path, at: datetime | None
) -> RestoreReport:
    check = integrity(partial)
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise RestoreError(f"La copia restaurada no pasó la revisión de integridad: {check}")
    replaced = _move_aside(settings) if at is None and settings.database_path.exists() else None
    partial.replace(target)
    if at is None:
        # The replica may come from an older version of the app: bring the schema up to date now, not at first sale.
        migrate.upgrade(target, settings.backups_dir)
    facts = _facts(target)
    return RestoreReport(
        path=target,
        replica=replica.describe(),
        at=at,
        integrity=check,
        sales=int(facts["sales"]),
        last_sale_at=facts["last_sale_at"],
        next_folios=facts["next_folios"],
        last_folios=facts["last_folios"],
        missing_secrets=_missing_secrets(settings, facts["cafs"]) if at is None else [],
        replaced=replaced,
    )
