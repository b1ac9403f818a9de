"""SII documents: the folio ranges (CAF) the shop may use, every document it issued, and the envelopes sent.

The CAF file itself holds the private key that stamps documents, so it lives in the secrets directory; the database
keeps its range and the next folio, so a restored box continues from the last folio and never reuses one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from appliance.db.base import Base, UtcDateTime, utcnow

DOCUMENT_STATES = ("pendiente", "enviado", "aceptado", "reparo", "rechazado")


class CafRange(Base):
    __tablename__ = "caf_ranges"
    __table_args__ = (
        UniqueConstraint("tipo", "folio_from"),
        CheckConstraint("folio_from <= next_folio AND next_folio <= folio_to + 1", name="next_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo: Mapped[int] = mapped_column(Integer)
    folio_from: Mapped[int] = mapped_column(Integer)
    folio_to: Mapped[int] = mapped_column(Integer)
    next_folio: Mapped[int] = mapped_column(Integer)
    authorized_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    idk: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(120))  # in the secrets directory
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    @property
    def remaining(self) -> int:
        return self.folio_to - self.next_folio + 1


class Envelope(Base):
    """An EnvioBOLETA or EnvioDTE exactly as sent. Once it has a TrackID it is queried, never uploaded again."""

    __tablename__ = "sii_envelopes"
    __table_args__ = (
        CheckConstraint("kind IN ('boleta', 'dte')", name="kind"),
        Index("ix_sii_envelopes_state", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    track_id: Mapped[str | None] = mapped_column(String(30), nullable=True, unique=True)
    # por_enviar → enviado (has TrackID) → procesado (final per document) | rechazado (whole envelope)
    state: Mapped[str] = mapped_column(String(12), default="por_enviar")
    sii_state: Mapped[str] = mapped_column(String(8), default="")  # REC, EPR, RSC, RFR …
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Document(Base):
    __tablename__ = "sii_documents"
    __table_args__ = (
        UniqueConstraint("tipo", "folio"),
        CheckConstraint(f"state IN {DOCUMENT_STATES!r}", name="state"),
        Index("ix_sii_documents_state", "state"),
        Index("ix_sii_documents_sale_id", "sale_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo: Mapped[int] = mapped_column(Integer)
    folio: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), nullable=True)
    caf_id: Mapped[int] = mapped_column(ForeignKey("caf_ranges.id"))
    receptor_rut: Mapped[str] = mapped_column(String(12), default="66666666-6")
    total: Mapped[int] = mapped_column(Integer)
    signed_xml: Mapped[bytes] = mapped_column(LargeBinary)  # the signed DTE, byte for byte as it goes in an envelope
    ted: Mapped[bytes] = mapped_column(LargeBinary)  # what the PDF417 timbre carries
    state: Mapped[str] = mapped_column(String(10), default="pendiente")
    envelope_id: Mapped[int | None] = mapped_column(ForeignKey("sii_envelopes.id"), nullable=True)
    sii_detail: Mapped[str] = mapped_column(String(1000), default="")  # the SII's own words on reparo/rechazo
