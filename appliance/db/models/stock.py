"""Stock as an append-only ledger of moves, with the running level per product and location beside it."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from appliance.db.base import Base, Cost, UtcDateTime, utcnow


class StockReason(enum.StrEnum):
    INITIAL = "inicial"
    PURCHASE = "compra"
    SALE = "venta"
    RETURN = "devolucion"
    SUPPLIER_RETURN = "devolucion_proveedor"
    MERMA = "merma"
    ROBO = "robo"
    VENCIMIENTO = "vencimiento"
    TRANSFER = "traslado"
    COUNT = "ajuste_inventario"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    StockReason.INITIAL: "Stock inicial",
    StockReason.PURCHASE: "Compra",
    StockReason.SALE: "Venta",
    StockReason.RETURN: "Devolución de cliente",
    StockReason.SUPPLIER_RETURN: "Devolución a proveedor",
    StockReason.MERMA: "Merma",
    StockReason.ROBO: "Robo",
    StockReason.VENCIMIENTO: "Vencimiento",
    StockReason.TRANSFER: "Traslado",
    StockReason.COUNT: "Ajuste por inventario",
}


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # 'sala', 'bodega'
    name: Mapped[str] = mapped_column(String(60))


class StockMove(Base):
    """Never updated nor deleted (triggers refuse it); corrections are new moves."""

    __tablename__ = "stock_moves"
    __table_args__ = (Index("ix_stock_moves_product_location", "product_id", "location_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # signed milli-units
    reason: Mapped[str] = mapped_column(String(24))
    unit_cost: Mapped[Decimal | None] = mapped_column(Cost, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    ref_type: Mapped[str] = mapped_column(String(24), default="")
    ref_id: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(200), default="")


class StockLevel(Base):
    __tablename__ = "stock_levels"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)  # milli-units; may go negative (flagged)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
