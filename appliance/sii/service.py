"""The one call the sales code makes to turn a sale into a stamped, signed tax document.

    issued = issue_document(spec, caf, cert, now)

`issue_document` builds the DTE from a `DocumentSpec`, stamps it with the CAF (TED), signs it with the certificate,
validates it against the SII's schema and checks its timbre and signature before returning. It is pure: no
database, no network, no clock of its own, so the caller stores `issued.signed_xml` in the same transaction as
the sale and its folio, prints `issued.ted_pdf417` as the timbre, and later hands the stored `signed_xml`s to
`build_envelope` for the outbox to send. What it does not know, the caller must check: that the folio is the next
free one and that `now` is not earlier than the last document issued (a Pi without a battery clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appliance.core.clock import CHILE_TZ
from appliance.sii.amounts import Totals
from appliance.sii.caf import Caf
from appliance.sii.certificate import Certificate
from appliance.sii.doctypes import TipoDTE
from appliance.sii.documents import build_dte
from appliance.sii.errors import CafInvalid
from appliance.sii.schemas import SchemaKind, validate
from appliance.sii.signature import sign_and_parse_document
from appliance.sii.spec import DocumentSpec
from appliance.sii.ted import find_ted, ted_for_pdf417, verify_ted


@dataclass(frozen=True)
class IssuedDocument:
    """A document ready to store, print and send."""

    tipo: TipoDTE
    folio: int
    document_id: str  # Documento/@ID, e.g. "F125T39"
    signed_xml: bytes  # the signed <DTE>, ISO-8859-1 without XML declaration: embed it verbatim in an envelope
    ted_pdf417: bytes  # the flattened TED, exactly what the printed PDF417 encodes
    totals: Totals
    issued_at: datetime  # FchEmis's moment, Chile time
    signed_at: datetime  # TSTED and TmstFirma


def issue_document(spec: DocumentSpec, caf: Caf, cert: Certificate, now: datetime) -> IssuedDocument:
    """Stamps and signs `spec` with `caf` and `cert` at `now`. Raises an `SiiError` (Spanish message) on failure.

    The CAF is expected to have passed `verify_caf` when it was uploaded; here it is checked against the document
    (type, company, folio range) and against `now` for expiry.
    """
    expires_on = caf.expires_on
    if expires_on is not None and now.astimezone(CHILE_TZ).date() > expires_on:
        raise CafInvalid(
            f"El CAF de {spec.tipo.nombre.lower()} venció el {expires_on:%d-%m-%Y}: solicite uno nuevo en el SII."
        )
    built = build_dte(spec, caf, signed_at=now)
    signed, signed_root = sign_and_parse_document(built.dte, cert, now=now)
    validate(SchemaKind.BOLETA if spec.tipo.is_boleta else SchemaKind.DTE, signed_root)
    ted = find_ted(signed_root)
    verify_ted(ted, caf.public_key)
    return IssuedDocument(
        tipo=spec.tipo,
        folio=spec.folio,
        document_id=built.document_id,
        signed_xml=signed,
        ted_pdf417=ted_for_pdf417(ted),
        totals=built.totals,
        issued_at=spec.issued_at.astimezone(CHILE_TZ),
        signed_at=now.astimezone(CHILE_TZ),
    )
