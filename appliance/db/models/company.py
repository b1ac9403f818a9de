"""The shop itself: the company as the SII knows it, and the business settings kept in the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from appliance.db.base import Base


class Company(Base):
    """One row: the emitter of every document (Emisor in the DTE)."""

    __tablename__ = "company"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("environment IN ('certificacion', 'produccion')", name="environment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    rut: Mapped[str] = mapped_column(String(12))  # compact form 12345678-5
    razon_social: Mapped[str] = mapped_column(String(100))
    nombre_fantasia: Mapped[str] = mapped_column(String(80), default="")
    giro: Mapped[str] = mapped_column(String(80))
    # Códigos de actividad económica (Acteco), up to 4 in a DTE.
    actecos: Mapped[list[int]] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(70))
    comuna: Mapped[str] = mapped_column(String(20))
    ciudad: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(80), default="")
    sii_office: Mapped[str] = mapped_column(String(60), default="")
    resolution_number: Mapped[int] = mapped_column(Integer, default=0)
    resolution_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    environment: Mapped[str] = mapped_column(String(12), default="certificacion")


class Setting(Base):
    """Business settings as JSON values under a dotted key (e.g. `pos.alcohol_hours`)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)


class BarcodeLayout(Base):
    """A variable-measure barcode layout printed by the shop's scales (GS1 prefixes 20–29)."""

    __tablename__ = "barcode_layouts"
    __table_args__ = (CheckConstraint("value_kind IN ('grams', 'pesos')", name="value_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(2), unique=True)
    plu_length: Mapped[int] = mapped_column(Integer)
    value_kind: Mapped[str] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
