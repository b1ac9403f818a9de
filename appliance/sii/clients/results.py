"""What the SII answered, as frozen values the outbox can store: an upload's TrackID, an envelope's state with its
per-type counts and per-document verdicts, one document's state.

Envelope states (NOTES §3): REC received, SOK schema ok, CRT carátula ok, FOK signature ok, PDR/PRD in process,
EPR processed; RSC, RFR, RCT, RCH, RCO, RPT, VOF rejected. **EPR does not mean accepted**: each document is DOK
(accepted), RPR/RLV (accepted with objections, "reparo") or RCH (rejected); read `documents` and `counts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Envelope states, with the SII's own words.
ENVELOPE_STATES = {
    "REC": "Envío recibido",
    "SOK": "Schema validado",
    "CRT": "Carátula OK",
    "FOK": "Firma de envío validada",
    "PDR": "Envío en proceso",
    "PRD": "Envío en proceso",
    "EPR": "Envío procesado",
    "RPR": "Aceptado con reparos",
    "RLV": "Aceptado con reparos leves",
    "RSC": "Rechazado por error en schema",
    "RFR": "Rechazado por error en firma",
    "RCT": "Rechazado por error en carátula",
    "RCH": "Rechazado por error en información",
    "RCO": "Rechazado por consistencia",
    "RPT": "Rechazado por envío repetido",
    "VOF": "No se encontró el archivo .xml",
}
IN_PROCESS_STATES = frozenset({"REC", "SOK", "CRT", "FOK", "PDR", "PRD"})
REJECTED_STATES = frozenset({"RSC", "RFR", "RCT", "RCH", "RCO", "RPT", "VOF"})
PROCESSED_STATES = frozenset({"EPR", "RPR", "RLV"})


class Channel(StrEnum):
    """The two ways into the SII (NOTES §1)."""

    DTE = "dte"  # SOAP token + DTEUpload + QueryEstUp: facturas, notas
    BOLETA = "boleta"  # REST API: boletas 39/41


class DocumentVerdict(StrEnum):
    DOK = "DOK"  # accepted
    RPR = "RPR"  # accepted with objections (reparo)
    RLV = "RLV"  # accepted with minor objections
    RCH = "RCH"  # rejected

    @property
    def accepted(self) -> bool:
        return self is not DocumentVerdict.RCH

    @property
    def with_objections(self) -> bool:
        return self in (DocumentVerdict.RPR, DocumentVerdict.RLV)


@dataclass(frozen=True)
class UploadResult:
    """The SII received the file: from now on, query `track_id`; never upload the same file again."""

    track_id: str
    channel: Channel
    received_at: str = ""  # the SII's TIMESTAMP / fecha_recepcion, as it wrote it
    state: str = "REC"  # what the upload answer said (REC for the boleta API; REC implied for DTEUpload)


@dataclass(frozen=True)
class TypeCounts:
    """One document type in an envelope: informados = aceptados + reparos + rechazados once processed."""

    tipo: int
    informados: int
    aceptados: int
    rechazados: int
    reparos: int


@dataclass(frozen=True)
class DocumentResult:
    """One document the SII objected to or rejected, with its reasons as the SII wrote them."""

    tipo: int
    folio: int
    estado: DocumentVerdict
    description: str  # "DTE Rechazado", "DTE Aceptado con Reparos"…
    errors: tuple[str, ...]

    @property
    def message(self) -> str:
        """Spanish text for the back office."""
        reasons = "; ".join(self.errors)
        return f"{self.description}: {reasons}" if reasons else self.description


@dataclass(frozen=True)
class EnvelopeStatus:
    """The state of an uploaded envelope.

    `documents_complete` says whether `documents` lists every document that was not accepted outright: True for the
    boleta API (its `detalle_rep_rech`), False for QueryEstUp, which only gives counts per type (ask QueryEstDte, or
    wait for the SII's e-mail, to learn which folio was rejected).
    """

    track_id: str
    channel: Channel
    state: str
    description: str
    counts: tuple[TypeCounts, ...] = ()
    documents: tuple[DocumentResult, ...] = ()
    documents_complete: bool = False
    received_at: str = ""

    @property
    def is_final(self) -> bool:
        """Nothing will change any more: processed (EPR…) or rejected as a whole (RSC, RFR, RCT…)."""
        return self.state in PROCESSED_STATES or self.state in REJECTED_STATES

    @property
    def is_processed(self) -> bool:
        """EPR (or RPR/RLV): each document has its own verdict. Not the same as accepted."""
        return self.state in PROCESSED_STATES

    @property
    def is_rejected(self) -> bool:
        """The whole envelope was rejected (schema, signature, carátula…): none of its documents was received."""
        return self.state in REJECTED_STATES

    @property
    def informados(self) -> int:
        return sum(count.informados for count in self.counts)

    @property
    def aceptados(self) -> int:
        return sum(count.aceptados for count in self.counts)

    @property
    def rechazados(self) -> int:
        return sum(count.rechazados for count in self.counts)

    @property
    def reparos(self) -> int:
        return sum(count.reparos for count in self.counts)

    @property
    def all_accepted(self) -> bool:
        """Processed, and every document accepted without objections."""
        return self.is_processed and self.informados > 0 and self.aceptados == self.informados

    def verdict(self, tipo: int, folio: int) -> DocumentVerdict | None:
        """One document's verdict, or None while it cannot be known (in process, rejected as a whole, or QueryEstUp
        reporting objections or rejections in that type without saying which folio)."""
        if not self.is_processed:
            return None
        found = self.result(tipo, folio)
        if found is not None:
            return found.estado
        if self.documents_complete:
            return DocumentVerdict.DOK
        counts = next((count for count in self.counts if count.tipo == tipo), None)
        if counts is not None and counts.rechazados == 0 and counts.reparos == 0 and counts.aceptados > 0:
            return DocumentVerdict.DOK
        return None

    def result(self, tipo: int, folio: int) -> DocumentResult | None:
        """The SII's detail on one document, if it gave one (tipo 0: the SII did not say the type)."""
        return next((d for d in self.documents if d.folio == folio and d.tipo in (tipo, 0)), None)

    @property
    def message(self) -> str:
        """Spanish summary for the back office."""
        text = f"Envío {self.track_id}: {self.state} ({self.description or ENVELOPE_STATES.get(self.state, '')})"
        if self.is_processed and self.counts:
            text += (
                f"; informados {self.informados}, aceptados {self.aceptados}, "
                f"con reparos {self.reparos}, rechazados {self.rechazados}"
            )
        return text


# QueryEstDte states (one document), with the SII's words.
DOCUMENT_STATES = {
    "DOK": "Documento recibido por el SII; los datos coinciden con los registrados",
    "DNK": "Documento recibido por el SII, pero los datos no coinciden con los registrados",
    "FAU": "Documento no recibido por el SII",
    "FNA": "Documento no autorizado",
    "FAN": "Documento anulado",
    "EMP": "Empresa no autorizada a emitir documentos tributarios electrónicos",
    "TMD": "Existe una nota de débito que modifica el texto del documento",
    "TMC": "Existe una nota de crédito que modifica el texto del documento",
    "MMD": "Existe una nota de débito que modifica los montos del documento",
    "MMC": "Existe una nota de crédito que modifica los montos del documento",
    "AND": "Existe una nota de débito que anula el documento",
    "ANC": "Existe una nota de crédito que anula el documento",
}
_RECEIVED_DOCUMENT_STATES = frozenset({"DOK", "DNK", "FAN", "TMD", "TMC", "MMD", "MMC", "AND", "ANC"})


@dataclass(frozen=True)
class DocumentStatus:
    """QueryEstDte's answer about one document."""

    estado: str
    description: str
    err_code: str = ""
    error_description: str = ""

    @property
    def received(self) -> bool:
        """The SII has the document (whatever happened to it later: notes, annulment)."""
        return self.estado in _RECEIVED_DOCUMENT_STATES

    @property
    def matches(self) -> bool:
        """DOK: received, and the data asked about (date, amount, receiver) matches."""
        return self.estado == "DOK"
