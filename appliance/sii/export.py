"""Getting documents out of the box: signed XML, envelopes as sent, PDFs, and the health of the SII queue.

Shared by the back office ("Documentos SII") and the command line:

    minimarket sii export --type 39 --folio 1234 --out DTE-39-1234.xml       signed DTE with its XML declaration
    minimarket sii export --type 39 --folio 1234 --pdf [--carta] [--copy] --out DTE-39-1234.pdf
    minimarket sii export --envelope 17 --out envio-17.xml                   the EnvioBOLETA/EnvioDTE exactly as sent
    minimarket sii status                                                    the queue, as JSON

Every command takes --data-dir. A file written prints one JSON line; a request that cannot be served (unknown
folio or envelope, wrong options) prints a Spanish message on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from appliance.core.errors import DomainError
from appliance.sii.doctypes import TipoDTE, nombre_tipo

# SQLAlchemy, the models and the PDF layout load when a function needs them: `minimarket` builds this parser for
# every command, and importing them costs a second or more on a Raspberry Pi.
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from appliance.db.models import Document, Envelope
    from appliance.sii import pdf

XML_DECLARATION = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'  # the encoding of every stored SII file
# Envelope.state: por_enviar → enviado (has a TrackID) → procesado | rechazado.
ENVELOPE_STATES = ("por_enviar", "enviado", "procesado", "rechazado")
ENVELOPE_NAMES = {"boleta": "EnvioBOLETA", "dte": "EnvioDTE"}
USAGE_ERROR = 2
T = TypeVar("T")


class ExportError(DomainError):
    default_code = "sii_export"


# --- shared by the CLI and the back office -----------------------------------------------------------------------


def with_declaration(signed_xml: bytes) -> bytes:
    """A stored signed DTE (ISO-8859-1, no declaration) as a file: the declaration, then the bytes untouched."""
    return signed_xml if signed_xml.startswith(b"<?xml") else XML_DECLARATION + signed_xml


def document_filename(tipo: int, folio: int, extension: str, fmt: pdf.PdfFormat | None = None) -> str:
    """ "DTE-39-123.xml", "DTE-39-123.pdf", "DTE-39-123-carta.pdf"."""
    suffix = "-carta" if fmt == "carta" else ""
    return f"DTE-{tipo}-{folio}{suffix}.{extension}"


def envelope_filename(envelope: Envelope) -> str:
    """ "EnvioBOLETA-17.xml", or with its TrackID once the SII gave one: "EnvioBOLETA-17-TrackID-123456.xml"."""
    track = f"-TrackID-{envelope.track_id}" if envelope.track_id else ""
    return f"{ENVELOPE_NAMES.get(envelope.kind, 'Envio')}-{envelope.id}{track}.xml"


async def find_document(session: AsyncSession, tipo: int, folio: int) -> Document:
    from sqlalchemy import select

    from appliance.db.models import Document

    document = await session.scalar(select(Document).where(Document.tipo == tipo, Document.folio == folio))
    if document is None:
        raise ExportError(f"No existe {nombre_tipo(tipo).lower()} (tipo {tipo}) con folio {folio}.", "not_found")
    return document


async def find_envelope(session: AsyncSession, envelope_id: int) -> Envelope:
    from appliance.db.models import Envelope

    envelope = await session.get(Envelope, envelope_id)
    if envelope is None:
        raise ExportError(f"No existe el envío N° {envelope_id}.", "not_found")
    return envelope


async def document_xml(session: AsyncSession, tipo: int, folio: int) -> bytes:
    """The signed DTE as a file: ISO-8859-1 XML declaration, then the stored bytes exactly as signed."""
    return with_declaration((await find_document(session, tipo, folio)).signed_xml)


async def envelope_xml(session: AsyncSession, envelope_id: int) -> bytes:
    """The envelope exactly as it was (or will be) uploaded: the stored bytes, declaration included."""
    return (await find_envelope(session, envelope_id)).xml


async def document_pdf(
    session: AsyncSession, tipo: int, folio: int, fmt: pdf.PdfFormat = "80mm", copy: bool = False
) -> bytes:
    """The representación impresa. The layout runs in a thread: it takes about a second of CPU."""
    from appliance.sii import pdf

    if fmt not in pdf.FORMATS:
        raise ExportError(f"Formato de PDF desconocido: {fmt} (use 80mm o carta).", "bad_format")
    printable = await pdf.printable_for(session, await find_document(session, tipo, folio))
    return await asyncio.to_thread(pdf.render_pdf, printable, fmt, copy=copy)


def _local(moment: datetime | None) -> str | None:
    from appliance.core.clock import CHILE_TZ

    return moment.astimezone(CHILE_TZ).isoformat(timespec="seconds") if moment is not None else None


async def queue_status(session: AsyncSession, now: datetime | None = None) -> dict[str, Any]:
    """Counts of documents and envelopes by state, the oldest pending document, folios left per type, and the
    envelopes the SII has not finished with that carry an error (what to look at when the queue does not drain)."""
    from sqlalchemy import func, select

    from appliance.core.clock import CHILE_TZ
    from appliance.db.models import DOCUMENT_STATES, CafRange, Document, Envelope

    now = now or datetime.now(UTC)
    documents = dict.fromkeys(DOCUMENT_STATES, 0)
    documents.update(dict((await session.execute(select(Document.state, func.count()).group_by(Document.state))).all()))
    envelopes = dict.fromkeys(ENVELOPE_STATES, 0)
    envelopes.update(dict((await session.execute(select(Envelope.state, func.count()).group_by(Envelope.state))).all()))
    oldest = await session.scalar(select(func.min(Document.issued_at)).where(Document.state == "pendiente"))
    folios: dict[str, int] = {}
    for row in await session.scalars(select(CafRange).order_by(CafRange.tipo)):
        usable = row.expires_on is None or row.expires_on >= now.astimezone(CHILE_TZ).date()
        folios[str(row.tipo)] = folios.get(str(row.tipo), 0) + (max(row.remaining, 0) if usable else 0)
    troubled = await session.scalars(
        select(Envelope)
        .where(Envelope.state.in_(("por_enviar", "enviado")), Envelope.last_error != "")
        .order_by(Envelope.id)
    )
    return {
        "documents": documents,
        "envelopes": envelopes,
        "oldest_pending": _local(oldest),
        "oldest_pending_minutes": max(int((now - oldest).total_seconds() // 60), 0) if oldest is not None else None,
        "folios_remaining": folios,
        "envelope_errors": [
            {
                "envelope": e.id,
                "state": e.state,
                "track_id": e.track_id,
                "attempts": e.attempts,
                "last_error": e.last_error,
                "next_attempt_at": _local(e.next_attempt_at),
            }
            for e in troubled
        ],
    }


@dataclass(frozen=True)
class EnvelopeRow:
    """One line of the back office's table of envelopes."""

    envelope: Envelope
    documents: int

    @property
    def name(self) -> str:
        return ENVELOPE_NAMES.get(self.envelope.kind, self.envelope.kind)


async def recent_envelopes(session: AsyncSession, limit: int = 20) -> list[EnvelopeRow]:
    from sqlalchemy import func, select

    from appliance.db.models import Document, Envelope

    counts = select(Document.envelope_id, func.count().label("n")).group_by(Document.envelope_id).subquery("counts")
    rows = await session.execute(
        select(Envelope, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.envelope_id == Envelope.id)
        .order_by(Envelope.id.desc())
        .limit(limit)
    )
    return [EnvelopeRow(envelope, int(n)) for envelope, n in rows.all()]


# --- the command line --------------------------------------------------------------------------------------------


def build_parser(subparsers: Any, common_parent: argparse.ArgumentParser) -> None:
    """Adds `sii export` and `sii status` to the `minimarket` parser's subcommands (`common_parent` has --data-dir)."""
    sii = subparsers.add_parser("sii", help="documentos SII: exportar XML y PDF, estado de la cola").add_subparsers(
        dest="sii_command", required=True
    )
    p = sii.add_parser(
        "export",
        parents=[common_parent],
        help="exporta un documento (XML o PDF) o un envío (XML tal como se envió)",
        description="Exporta el XML firmado o el PDF de un documento emitido, o el XML de un envío al SII.",
    )
    p.add_argument("--type", dest="tipo", type=int, help="tipo de DTE: 39 boleta, 41 boleta exenta, 33, 34, 56, 61")
    p.add_argument("--folio", type=int, help="folio del documento")
    p.add_argument("--envelope", type=int, help="número del envío (ver `minimarket sii status` o Documentos SII)")
    p.add_argument("--pdf", action="store_true", help="la representación impresa en PDF en vez del XML")
    p.add_argument("--carta", action="store_true", help="PDF tamaño carta (por defecto: rollo de 80 mm)")
    p.add_argument("--copy", action="store_true", help="marca el PDF como COPIA")
    p.add_argument("--out", required=True, help="archivo de salida ('-' para la salida estándar)")
    p.set_defaults(func=run_cli)
    p = sii.add_parser("status", parents=[common_parent], help="estado de la cola de envíos al SII (JSON)")
    p.set_defaults(func=run_cli)


def run_cli(args: argparse.Namespace) -> int:
    """Runs `sii export` or `sii status`; 0 when done, 2 (with a Spanish message on stderr) when it cannot be."""
    from appliance.settings import Settings

    settings = Settings.load(args.data_dir)
    try:
        if not settings.database_path.exists():
            raise ExportError(f"No hay base de datos en {settings.database_path}: revise --data-dir.", "no_database")
        if args.sii_command == "status":
            print(json.dumps(asyncio.run(_status(settings.database_path)), ensure_ascii=False, indent=2))
            return 0
        data, name = asyncio.run(_export(settings.database_path, args))
        _write(args.out, data)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return USAGE_ERROR
    if args.out != "-":
        print(json.dumps({"file": str(Path(args.out).resolve()), "bytes": len(data), "name": name}, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m appliance.sii.export sii status …`: the same commands without the rest of `minimarket`."""
    parser = argparse.ArgumentParser(prog="minimarket")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=None, help="carpeta de la tienda (defecto /var/lib/minimarket)"
    )
    build_parser(parser.add_subparsers(dest="command", required=True), common)
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


async def _session_run(database: Path, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from appliance.db.engine import Database

    db = Database(database)
    try:
        async with db.read() as session:
            return await work(session)
    finally:
        await db.dispose()


async def _status(database: Path) -> dict[str, Any]:
    return await _session_run(database, queue_status)


async def _export(database: Path, args: argparse.Namespace) -> tuple[bytes, str]:
    from appliance.sii import pdf

    wants_pdf = args.pdf or args.carta
    if args.envelope is not None:
        if args.tipo is not None or args.folio is not None or wants_pdf or args.copy:
            raise ExportError("Un envío se exporta solo como XML: use --envelope sin --type, --folio, --pdf ni --copy.")

        async def envelope(session: AsyncSession) -> tuple[bytes, str]:
            found = await find_envelope(session, args.envelope)
            return found.xml, envelope_filename(found)

        return await _session_run(database, envelope)
    if args.tipo is None or args.folio is None:
        raise ExportError("Indique --type y --folio de un documento, o --envelope con el número de un envío.")
    if args.tipo not in {int(t) for t in TipoDTE}:
        known = ", ".join(str(int(t)) for t in TipoDTE)
        raise ExportError(f"El tipo {args.tipo} no es un documento que emita la tienda ({known}).")
    if args.copy and not wants_pdf:
        raise ExportError("--copy marca un PDF: agregue --pdf.")
    fmt: pdf.PdfFormat = "carta" if args.carta else "80mm"

    if wants_pdf:

        async def load(session: AsyncSession) -> tuple[pdf.Printable, str]:
            found = await find_document(session, args.tipo, args.folio)
            return await pdf.printable_for(session, found), document_filename(found.tipo, found.folio, "pdf", fmt)

        printable, name = await _session_run(database, load)
        # Laid out after the read transaction has ended, so a long layout never pins the WAL.
        return await asyncio.to_thread(pdf.render_pdf, printable, fmt, copy=args.copy), name

    async def xml(session: AsyncSession) -> tuple[bytes, str]:
        return await document_xml(session, args.tipo, args.folio), document_filename(args.tipo, args.folio, "xml")

    return await _session_run(database, xml)


def _write(out: str, data: bytes) -> None:
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    if not target.parent.exists():
        raise ExportError(f"La carpeta {target.parent} no existe.")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"No se pudo escribir {target}: {exc.strerror}.") from None


if __name__ == "__main__":
    sys.exit(main())
