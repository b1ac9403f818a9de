"""The SII queue: pending documents packed into envelopes, each envelope uploaded once, then polled until final.

- Network calls never happen inside a database transaction (a slow SII must not hold the write lock the counter
  needs); the results are written in short transactions afterwards.
- An envelope is stored before it is uploaded and keeps its TrackID: once it has one it is only ever queried.
- While the SII or the internet is away, attempts back off exponentially with jitter; the counter never notices.
- Every step is idempotent against a restart: state lives in the database, not in memory.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from appliance.core.clock import Clock, SystemClock
from appliance.core.errors import DomainError
from appliance.core.rut import Rut
from appliance.db.engine import Database
from appliance.db.models import Company, Document, Envelope
from appliance.sii import stamping
from appliance.sii.clients import (
    SiiBusy,
    SiiClient,
    SiiClientError,
    SiiHosts,
    SiiUnreachable,
    SiiUploadRejected,
)
from appliance.sii.clients.results import DocumentVerdict, EnvelopeStatus
from appliance.sii.envelope import EnvelopeKind, build_envelope, envelope_kind

KIND_CODES = {EnvelopeKind.ENVIO_BOLETA: "boleta", EnvelopeKind.ENVIO_DTE: "dte"}
CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}


@dataclass(frozen=True)
class QueueConfig:
    batch: int = 200  # documents per envelope (EnvioBOLETA allows 500; smaller envelopes fail smaller)
    base_delay: float = 10.0  # first retry after an error, seconds
    max_delay: float = 15 * 60.0
    poll_delay: float = 5.0  # first status query after an upload
    max_poll_delay: float = 10 * 60.0


@dataclass
class RunReport:
    packed: int = 0
    uploaded: int = 0
    finished: int = 0
    errors: list[str] = field(default_factory=list)


class SiiQueue:
    def __init__(
        self,
        db: Database,
        secrets_dir: Path,
        hosts: Callable[[Company], SiiHosts],
        *,
        clock: Clock | None = None,
        config: QueueConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.secrets_dir = secrets_dir
        self.hosts = hosts
        self.clock = clock or SystemClock()
        self.config = config or QueueConfig()
        self.rng = rng or random.Random()
        self._client: SiiClient | None = None
        self._lock = asyncio.Lock()  # one drain at a time, whatever calls it

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _backoff(self, attempts: int, base: float, ceiling: float) -> timedelta:
        delay = min(base * (2 ** max(attempts - 1, 0)), ceiling)
        return timedelta(seconds=delay * self.rng.uniform(0.5, 1.5))

    async def run_once(self) -> RunReport:
        async with self._lock:
            report = RunReport()
            async with self.db.read() as session:
                company = await session.get(Company, 1)
            if company is None:
                return report
            try:
                await self._pack(company, report)
            except DomainError as exc:  # no certificate, an unreadable CAF …: say so, keep the documents pending
                report.errors.append(exc.message)
            if self._client is None:
                cert = stamping.load_certificate(self.secrets_dir, self.clock.now())
                self._client = SiiClient(self.hosts(company), cert)
            await self._send(company, report)
            await self._poll(company, report)
            return report

    # -- packing -----------------------------------------------------------------------------------------------

    async def _pack(self, company: Company, report: RunReport) -> None:
        async with self.db.read() as session:
            pending = list(
                await session.execute(
                    select(Document.id, Document.tipo, Document.signed_xml)
                    .where(Document.state == "pendiente", Document.envelope_id.is_(None))
                    .order_by(Document.id)
                )
            )
        groups: dict[EnvelopeKind, list[tuple[int, bytes]]] = {}
        for doc_id, tipo, xml in pending:
            groups.setdefault(envelope_kind(tipo), []).append((doc_id, xml))
        if not groups:
            return
        now = self.clock.now()
        cert = stamping.load_certificate(self.secrets_dir, now)
        for kind, docs in groups.items():
            for start in range(0, len(docs), self.config.batch):
                chunk = docs[start : start + self.config.batch]
                # Signing a few hundred documents' envelope takes a moment: off the event loop.
                xml = await asyncio.to_thread(
                    build_envelope,
                    [d for _, d in chunk],
                    rut_emisor=Rut.parse(company.rut),
                    fecha_resolucion=company.resolution_date or now.date(),
                    numero_resolucion=company.resolution_number,
                    cert=cert,
                    now=now,
                )
                ids = [doc_id for doc_id, _ in chunk]
                async with self.db.write() as session:
                    envelope = Envelope(kind=KIND_CODES[kind], xml=xml, created_at=now, next_attempt_at=now)
                    session.add(envelope)
                    await session.flush()
                    claimed = await session.execute(
                        update(Document)
                        .where(Document.id.in_(ids), Document.envelope_id.is_(None))
                        .values(envelope_id=envelope.id)
                    )
                    if claimed.rowcount != len(ids):  # type: ignore[attr-defined]
                        raise RuntimeError("documents packed twice")  # rolls the envelope back
                report.packed += len(ids)

    # -- upload ------------------------------------------------------------------------------------------------

    async def _send(self, company: Company, report: RunReport) -> None:
        assert self._client is not None
        now = self.clock.now()
        async with self.db.read() as session:
            due = list(
                await session.scalars(
                    select(Envelope)
                    .where(Envelope.state == "por_enviar", Envelope.track_id.is_(None), Envelope.next_attempt_at <= now)
                    .order_by(Envelope.id)
                )
            )
        rut = Rut.parse(company.rut)
        for envelope in due:
            try:
                result = await self._client.upload(CODE_KINDS[envelope.kind], envelope.xml, rut_company=rut)
            except SiiUploadRejected as exc:
                if exc.already_received and exc.track_id:
                    await self._uploaded(envelope.id, exc.track_id)
                    continue
                await self._failed(envelope.id, exc, final=not exc.retryable)
                report.errors.append(exc.message)
                if not exc.retryable:
                    await self._reject_documents(envelope.id, f"Rechazado al subir: {exc.message} {exc.detail}")
                continue
            except SiiClientError as exc:
                await self._failed(envelope.id, exc, final=False)
                report.errors.append(exc.message)
                if isinstance(exc, SiiUnreachable | SiiBusy):
                    break  # the SII is away or busy: don't hammer it with the rest of the queue now
                continue
            await self._uploaded(envelope.id, result.track_id)
            report.uploaded += 1

    async def _uploaded(self, envelope_id: int, track_id: str) -> None:
        now = self.clock.now()
        async with self.db.write() as session:
            envelope = await session.get(Envelope, envelope_id)
            assert envelope is not None
            envelope.track_id, envelope.state, envelope.sent_at = track_id, "enviado", now
            envelope.attempts, envelope.last_error = 0, ""
            envelope.next_attempt_at = now + timedelta(seconds=self.config.poll_delay)
            await session.execute(update(Document).where(Document.envelope_id == envelope_id).values(state="enviado"))

    async def _failed(self, envelope_id: int, exc: SiiClientError, *, final: bool) -> None:
        now = self.clock.now()
        async with self.db.write() as session:
            envelope = await session.get(Envelope, envelope_id)
            assert envelope is not None
            envelope.attempts += 1
            envelope.last_error = exc.message[:500]
            if final:
                envelope.state, envelope.finished_at = "rechazado", now
            elif isinstance(exc, SiiBusy) and exc.retry_after:
                envelope.next_attempt_at = now + timedelta(seconds=float(exc.retry_after))
            else:
                envelope.next_attempt_at = now + self._backoff(
                    envelope.attempts, self.config.base_delay, self.config.max_delay
                )

    async def _reject_documents(self, envelope_id: int, detail: str) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(Document)
                .where(Document.envelope_id == envelope_id)
                .values(state="rechazado", sii_detail=detail[:1000])
            )

    # -- status ------------------------------------------------------------------------------------------------

    async def _poll(self, company: Company, report: RunReport) -> None:
        assert self._client is not None
        now = self.clock.now()
        async with self.db.read() as session:
            due = list(
                await session.scalars(
                    select(Envelope)
                    .where(Envelope.state == "enviado", Envelope.next_attempt_at <= now)
                    .order_by(Envelope.id)
                )
            )
        rut = Rut.parse(company.rut)
        for envelope in due:
            assert envelope.track_id is not None
            try:
                status = await self._client.envelope_status(
                    CODE_KINDS[envelope.kind], envelope.track_id, rut_company=rut
                )
            except SiiClientError as exc:
                await self._poll_later(envelope.id, exc.message)
                report.errors.append(exc.message)
                if isinstance(exc, SiiUnreachable | SiiBusy):
                    break
                continue
            if not status.is_final:
                await self._poll_later(envelope.id, "")
                continue
            await self._settle(envelope.id, status)
            report.finished += 1

    async def _poll_later(self, envelope_id: int, error: str) -> None:
        now = self.clock.now()
        async with self.db.write() as session:
            envelope = await session.get(Envelope, envelope_id)
            assert envelope is not None
            envelope.attempts += 1
            envelope.last_error = error[:500]
            envelope.next_attempt_at = now + self._backoff(
                envelope.attempts, self.config.poll_delay, self.config.max_poll_delay
            )

    async def _settle(self, envelope_id: int, status: EnvelopeStatus) -> None:
        """The SII's last word on an envelope, written to each of its documents."""
        now = self.clock.now()
        async with self.db.write() as session:
            envelope = await session.get(Envelope, envelope_id)
            assert envelope is not None
            envelope.sii_state, envelope.finished_at, envelope.last_error = status.state, now, ""
            documents = list(await session.scalars(select(Document).where(Document.envelope_id == envelope_id)))
            if status.is_rejected:
                envelope.state = "rechazado"
                for document in documents:
                    document.state, document.sii_detail = "rechazado", status.message[:1000]
                return
            envelope.state = "procesado"
            undecided = False
            for document in documents:
                verdict = status.verdict(document.tipo, document.folio)
                detail = status.result(document.tipo, document.folio)
                if verdict is None:
                    undecided = True
                    continue
                if verdict == DocumentVerdict.DOK:
                    document.state, document.sii_detail = "aceptado", ""
                elif verdict == DocumentVerdict.RCH:
                    document.state = "rechazado"
                    document.sii_detail = (detail.message if detail else status.message)[:1000]
                else:
                    document.state = "reparo"
                    document.sii_detail = (detail.message if detail else status.message)[:1000]
            if undecided:
                # The SII gave counts but not which folio: ask again later (its detail arrives with time).
                envelope.state = "enviado"
                envelope.next_attempt_at = now + timedelta(seconds=self.config.max_poll_delay)


async def retry_document(db: Database, document_id: int) -> None:
    """After a person fixed the cause (certificate, company data …), send a rejected document again."""
    async with db.write() as session:
        document = await session.get(Document, document_id)
        if document is None:
            raise DomainError("El documento no existe.", "not_found")
        if document.state != "rechazado":
            raise DomainError("Solo se reintenta un documento rechazado.", "not_rejected")
        document.state, document.envelope_id, document.sii_detail = "pendiente", None, ""
