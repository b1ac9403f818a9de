"""`minimarket backup …` and `minimarket restore`.

    minimarket backup status [--json]           respaldo al día / pendiente / …, lag, WAL, errors
    minimarket backup now                       a consistent local copy now (VACUUM INTO), old ones pruned
    minimarket backup test                      "probar conexión": write, read, delete a probe object
    minimarket backup destination --dir PATH | --s3 s3://bucket/path?endpoint=…&region=…  [--access-key-id ID
                                  --secret-stdin] [--sync-interval S] [--retention-days N] [--local-days N]
    minimarket backup config [--print]          (re)generate litestream.yml from the settings
    minimarket backup supervise                 run Litestream under the supervisor (what litestream.service runs)
    minimarket restore --from REPLICA [--force] [--at TIME [--output FILE]]

Output is one JSON object (or a Spanish sentence for `status` without --json); the exit status is 0 when it
worked, 1 when it could not be done (unreachable destination, refused restore), 2 for a wrong request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from appliance.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    # The status and probe talk to Litestream and the store over httpx, which logs each request at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return Settings.load(args.data_dir)


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _fail(message: str, status: int = 1) -> int:
    print(json.dumps({"error": message}, ensure_ascii=False), file=sys.stderr)
    return status


def cmd_status(args: argparse.Namespace) -> int:
    from appliance.backup import health

    report = asyncio.run(health.status(_settings(args)))
    if args.json:
        _print(report.to_json())
    else:
        print(f"{report.title}: {report.detail}")
    return 0 if report.level == health.OK else 1


def cmd_now(args: argparse.Namespace) -> int:
    from appliance.backup import snapshots

    try:
        report = snapshots.backup_now(_settings(args), keep_days=args.keep_days)
    except FileNotFoundError as exc:
        return _fail(str(exc))
    _print(
        {
            "snapshot": str(report.path),
            "bytes": report.size,
            "integrity": report.integrity,
            "removed": [str(p) for p in report.removed],
        }
    )
    return 0 if report.integrity == "ok" else 1


def cmd_test(args: argparse.Namespace) -> int:
    from appliance.backup import probe

    result = asyncio.run(probe.test_connection(_settings(args)))
    _print({"ok": result.ok, "message": result.message, "seconds": result.seconds})
    return 0 if result.ok else 1


def cmd_destination(args: argparse.Namespace) -> int:
    from appliance.backup import destination
    from appliance.backup.destination import DestinationError, S3Keys

    settings = _settings(args)
    try:
        backup = destination.load(settings)
        if args.dir or args.s3:
            backup = replace(backup, destination=destination.parse_replica(args.dir or args.s3))
        changes = {
            "sync_interval": args.sync_interval,
            "retention_days": args.retention_days,
            "local_snapshot_days": args.local_days,
        }
        backup = replace(backup, **{k: v for k, v in changes.items() if v is not None})
        destination.save(settings, backup)
    except DestinationError as exc:
        return _fail(str(exc), 2)
    if args.access_key_id:
        secret = sys.stdin.readline().rstrip("\n") if args.secret_stdin else ""
        if not secret:
            return _fail("Falta el Secret Access Key (páselo por la entrada estándar con --secret-stdin).", 2)
        destination.save_keys(settings, S3Keys(args.access_key_id, secret))
    _print({"destination": backup.destination.describe(), "settings": str(destination.settings_path(settings))})
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from appliance.backup import config, destination

    settings = _settings(args)
    path = config.write(settings, destination.load(settings))
    if args.print:
        print(path.read_text(encoding="utf-8"), end="")
    else:
        _print({"config": str(path)})
    return 0


def cmd_supervise(args: argparse.Namespace) -> int:
    from appliance.backup.supervisor import Supervisor

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = _settings(args)
    settings.ensure_dirs()
    asyncio.run(Supervisor(settings, init_timeout=args.init_timeout).run_forever())
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from appliance.backup import destination, restore
    from appliance.backup.destination import DestinationError
    from appliance.db.migrate import MigrationFailed

    settings = _settings(args)
    try:
        replica = destination.parse_replica(args.from_)
        at = restore.parse_time(args.at) if args.at else None
    except (DestinationError, restore.RestoreError) as exc:
        return _fail(str(exc), 2)
    if args.output and not at:
        return _fail("--output solo sirve con --at (la restauración completa va a la carpeta de datos).", 2)
    try:
        report = asyncio.run(
            restore.restore(
                settings, replica, force=args.force, at=at, output=Path(args.output) if args.output else None
            )
        )
    except (restore.RestoreError, MigrationFailed) as exc:
        return _fail(str(exc))
    _print(report.to_json())
    if report.missing_secrets:
        print(
            "Atención: faltan en la carpeta secrets: "
            + ", ".join(report.missing_secrets)
            + ". Cópielos desde su respaldo de claves antes de vender.",
            file=sys.stderr,
        )
    return 0


def build_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds `backup …` and `restore` to the `minimarket` parser's subcommands."""
    backup = sub.add_parser("backup", help="respaldo externo (Litestream) y copias locales").add_subparsers(
        dest="backup_command", required=True
    )
    p = backup.add_parser("status", parents=[common], help="¿está al día el respaldo externo?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    p = backup.add_parser("now", parents=[common], help="copia local consistente ahora (VACUUM INTO)")
    p.add_argument("--keep-days", type=int, default=None, help="borra las copias de más de N días")
    p.set_defaults(func=cmd_now)
    p = backup.add_parser("test", parents=[common], help="probar conexión con el destino")
    p.set_defaults(func=cmd_test)
    p = backup.add_parser("destination", parents=[common], help="elige el destino del respaldo externo")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--dir", help="una carpeta (disco USB, NAS montado …)")
    where.add_argument("--s3", help="s3://bucket/ruta?endpoint=https://…&region=…&force-path-style=true")
    p.add_argument("--access-key-id")
    p.add_argument("--secret-stdin", action="store_true", help="lee el Secret Access Key de la entrada estándar")
    p.add_argument("--sync-interval", type=float, help="segundos (defecto 1)")
    p.add_argument("--retention-days", type=int, help="días de historia en el destino (defecto 7)")
    p.add_argument("--local-days", type=int, help="días que se guardan las copias locales (defecto 7)")
    p.set_defaults(func=cmd_destination)
    p = backup.add_parser("config", parents=[common], help="genera litestream.yml desde los ajustes")
    p.add_argument("--print", action="store_true")
    p.set_defaults(func=cmd_config)
    p = backup.add_parser("supervise", parents=[common], help="ejecuta Litestream (lo usa litestream.service)")
    p.add_argument("--init-timeout", type=float, default=30.0)
    p.set_defaults(func=cmd_supervise)

    p = sub.add_parser("restore", parents=[common], help="reconstruye la base de datos desde el respaldo externo")
    p.add_argument("--from", dest="from_", required=True, metavar="REPLICA", help="carpeta o s3://bucket/ruta?…")
    p.add_argument("--force", action="store_true", help="reemplaza la base existente (se guarda una copia)")
    p.add_argument("--at", help="momento pasado (hora de Chile si no lleva zona), a un archivo aparte")
    p.add_argument("--output", help="con --at: dónde escribir la copia (defecto backups/)")
    p.set_defaults(func=cmd_restore)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appliance.backup")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=None)
    build_parser(parser.add_subparsers(dest="command", required=True), common)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result
