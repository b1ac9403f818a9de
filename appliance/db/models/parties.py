"""Customers (buyers of facturas, fiado accounts) and suppliers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from appliance.db.base import Base, UtcDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    rut: Mapped[str | None] = mapped_column(String(12), unique=True, nullable=True)  # a fiado neighbour may have none
    name: Mapped[str] = mapped_column(String(100))
    giro: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(70), default="")
    comuna: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    credit_limit: Mapped[int] = mapped_column(Integer, default=0)  # pesos of fiado allowed
    blocked: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    rut: Mapped[str] = mapped_column(String(12), unique=True)
    razon_social: Mapped[str] = mapped_column(String(100))
    giro: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(70), default="")
    comuna: Mapped[str] = mapped_column(String(20), default="")
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(80), default="")
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
