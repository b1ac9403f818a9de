"""The `minimarket` command. Every subcommand takes --data-dir so several shops (and tests) can live side by side."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import json
import logging
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from appliance.settings import Settings, box_urls

log = logging.getLogger("minimarket")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(args.data_dir, host=getattr(args, "host", None), port=getattr(args, "port", None))


def serve(settings: Settings, banner: Callable[[], None] | None = None) -> int:
    import uvicorn

    from appliance.app import create_app
    from appliance.devices.manager import DeviceManager
    from appliance.http.protocol import server_config

    started = time.perf_counter()
    app = create_app(settings, devices=DeviceManager(settings), sii_queue=True, backup=True, serving=True)
    server = uvicorn.Server(server_config(app, settings.host, settings.port))

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        # uvicorn offers no "started" event to await; poll its flag briefly.
        while not server.started and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if server.started:
            print(f"Listo en {time.perf_counter() - started:.2f} s. Abra:", flush=True)
            for url in box_urls(settings):
                print(f"  {url}", flush=True)
            if banner:
                banner()
        await task

    with asyncio.Runner(loop_factory=_fast_loop()) as runner:
        runner.run(run())
    return 0


def _fast_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when installed (a dependency; absent in an older environment, the standard loop serves).
    Every database statement hops to aiosqlite's thread and back, so the loop's speed shows in every request."""
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def cmd_serve(args: argparse.Namespace) -> int:
    return serve(_settings(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from appliance.demo import shop

    settings = _settings(args)
    summary = _run(shop.ensure_demo(settings, history_days=args.history_days))
    if args.no_serve:
        return summary
    if settings.sii_url:
        return serve(settings, banner=shop.print_credentials)
    from appliance.demo.sii import start_simulator

    # The demo's boletas go to a local SII simulator on 127.0.0.1, which answers as the SII does.
    simulator, settings = start_simulator(settings)
    print(f"SII simulado (certificación) en {simulator.url}", flush=True)
    try:
        return serve(settings, banner=shop.print_credentials)
    finally:
        simulator.stop()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from appliance.db import migrate

    settings = _settings(args)
    settings.ensure_dirs()
    before = migrate.current_revision(settings.database_path)
    snap = migrate.upgrade(settings.database_path, settings.backups_dir, args.revision)
    after = migrate.current_revision(settings.database_path)
    print(
        json.dumps(
            {
                "database": str(settings.database_path),
                "from": before,
                "to": after,
                "snapshot": str(snap) if snap else None,
            }
        )
    )
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from appliance.db import migrate

    settings = _settings(args)
    snap = migrate.downgrade(settings.database_path, settings.backups_dir, args.revision)
    print(json.dumps({"to": migrate.current_revision(settings.database_path), "snapshot": str(snap)}))
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from appliance.db import migrate

    settings = _settings(args)
    print(json.dumps({"current": migrate.current_revision(settings.database_path), "head": migrate.head_revision()}))
    return 0


async def _user_add(settings: Settings, args: argparse.Namespace, password: str) -> int:
    from appliance.catalog.draft import FormErrors
    from appliance.db.engine import Database
    from appliance.users import service as users

    db = Database(settings.database_path)
    try:
        async with db.write() as session:
            user = await users.create(
                session,
                username=args.username,
                full_name=args.name or args.username,
                role=args.role,
                password=password,
                actor_id=None,
            )
    except FormErrors as exc:
        for field, message in exc.fields.items():
            print(f"error: {field}: {message}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(json.dumps({"id": user.id, "username": user.username, "role": user.role}))
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from appliance.db import migrate

    settings = _settings(args)
    settings.ensure_dirs()
    migrate.upgrade(settings.database_path, settings.backups_dir)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Contraseña: ")
    return _run(_user_add(settings, args, password))


def cmd_import_products(args: argparse.Namespace) -> int:
    from appliance.imports import cli as import_cli

    return _run(
        import_cli.run(_settings(args), Path(args.file), confirm=args.yes, create_categories=args.crear_categorias)
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from appliance import bench

    return bench.main(
        args.tablets,
        args.seconds,
        args.catalog,
        args.history,
        args.data_dir,
        args.pace,
        args.saturation_seconds,
        login_flood=args.login_flood,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minimarket", description="El minimarket en una caja.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="carpeta con la base de datos, secretos y respaldos (defecto /var/lib/minimarket)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", parents=[common], help="atiende la tienda")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", parents=[common], help="crea (la primera vez) y atiende la tienda de demostración")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--history-days",
        type=int,
        default=0,
        help="ventas pasadas (para reportes) en los N días hasta ayer que aún no tengan ventas",
    )
    p.add_argument("--no-serve", action="store_true", help="solo prepara los datos")
    p.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="base de datos").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", parents=[common], help="aplica migraciones (con copia previa)")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_db_upgrade)
    p = db.add_parser("downgrade", parents=[common], help="revierte migraciones (con copia previa)")
    p.add_argument("revision")
    p.set_defaults(func=cmd_db_downgrade)
    p = db.add_parser("current", parents=[common], help="revisión actual")
    p.set_defaults(func=cmd_db_current)

    user = sub.add_parser("user", help="usuarios").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", parents=[common], help="crea un usuario")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["cajero", "supervisor", "administrador", "dueno"])
    p.add_argument("--name", default="")
    p.add_argument("--password-stdin", action="store_true", help="lee la contraseña de la entrada estándar")
    p.set_defaults(func=cmd_user_add)

    imp = sub.add_parser("import", help="importaciones").add_subparsers(dest="import_command", required=True)
    p = imp.add_parser("products", parents=[common], help="importa productos desde CSV o XLSX")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="escribe los cambios (sin esto solo muestra la vista previa)")
    p.add_argument("--crear-categorias", action="store_true", help="crea las categorías que no existan")
    p.set_defaults(func=cmd_import_products)
    p = sub.add_parser("bench", parents=[common], help="mide la venta por HTTP con N tablets simuladas")
    p.add_argument("--tablets", type=int, default=6)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--catalog", type=int, default=20_000, help="productos en la tienda de prueba")
    p.add_argument("--history", type=int, default=200_000, help="ventas pasadas en la tienda de prueba")
    p.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="segundos entre acciones de cada cajero (±50 %%); 0 = a toda velocidad (saturación)",
    )
    p.add_argument(
        "--saturation-seconds",
        type=float,
        default=15.0,
        help="con --pace, segundos de la medición a toda velocidad que le sigue",
    )
    p.add_argument(
        "--login-flood",
        type=int,
        default=0,
        metavar="N",
        help="N clientes, en otro proceso, prueban contraseñas erradas en /login durante toda la medición",
    )
    p.set_defaults(func=cmd_bench)

    from appliance.devices import cli as devices_cli

    devices_cli.register(sub, common)
    from appliance.sii import export as sii_export

    sii_export.build_parser(sub, common)
    from appliance.backup import cli as backup_cli

    backup_cli.build_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result
