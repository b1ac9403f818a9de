"""`minimarket devices …` and `minimarket print …`: the devices from a shell, for installing and fixing a box.

    minimarket devices list                      detected and configured devices (JSON)
    minimarket devices test-print --lane caja-1
    minimarket devices open-drawer --lane caja-1
    minimarket devices read-scale --lane caja-1
    minimarket devices probe-scale /dev/ttyUSB0  which scale protocol answers on a port
    minimarket print --type 39 --folio 1234 [--printer tcp:192.168.1.50:9100] [--copy]

They talk to the devices directly, not through a running server (whose queue may hold the same printer between
jobs: printers are opened per job, so both take turns). Output is one JSON object; the exit status is 0 when it
worked, 1 when a device could not do it, 2 when the request itself is wrong (unknown lane, folio or connection).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def _runner(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        # Imported here: the hardware libraries load only for these commands, not for every `minimarket` call.
        from appliance.devices import commands

        command: Command = getattr(commands, name)
        try:
            status: int = asyncio.run(command(args))
        except commands.CliError as exc:
            print(json.dumps({"error": exc.message}, ensure_ascii=False), file=sys.stderr)
            return exc.status
        return status

    return run


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds `devices …` and `print` to the `minimarket` parser's subcommands."""
    devices = sub.add_parser("devices", help="impresoras, lectores, balanzas y cajones").add_subparsers(
        dest="devices_command", required=True
    )
    p = devices.add_parser("list", parents=[common], help="dispositivos detectados y configurados (JSON)")
    p.set_defaults(func=_runner("devices_list"))
    for name, command, help_text in (
        ("test-print", "test_print", "imprime una página de prueba en la impresora de la caja"),
        ("open-drawer", "open_drawer", "abre el cajón de la caja"),
        ("read-scale", "read_scale", "lee el peso de la balanza de la caja"),
    ):
        p = devices.add_parser(name, parents=[common], help=help_text)
        p.add_argument("--lane", required=True, help="código de la caja (ej.: caja-1)")
        p.set_defaults(func=_runner(command))
    p = devices.add_parser("probe-scale", parents=[common], help="qué protocolo habla la balanza en un puerto")
    p.add_argument("port", help="ej.: /dev/serial/by-id/usb-…")
    p.add_argument("--window", type=float, default=0.6, help="segundos de espera por protocolo")
    p.set_defaults(func=_runner("probe_scale"))

    p = sub.add_parser("print", parents=[common], help="imprime o reimprime un documento emitido")
    p.add_argument("--type", dest="tipo", type=int, required=True, help="tipo de DTE (39 boleta, 33 factura …)")
    p.add_argument("--folio", type=int, required=True)
    p.add_argument("--printer", default=None, help="conexión (ej.: tcp:192.168.1.50:9100); por defecto la de la caja")
    p.add_argument("--copy", action="store_true", help="marca el papel como COPIA")
    p.set_defaults(func=_runner("print_document"))
