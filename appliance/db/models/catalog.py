"""What the shop sells: categories (a tree), products, their barcodes and the history of their prices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appliance.db.base import Base, Cost, UtcDateTime, utcnow

# Impuestos adicionales a las bebidas (ILA) a minimarket meets; the SII's codes.
ADDITIONAL_TAX_CODES = {
    24: "Licores, piscos, destilados (31,5 %)",
    25: "Vinos (20,5 %)",
    26: "Cervezas y bebidas alcohólicas (20,5 %)",
    27: "Bebidas analcohólicas y minerales (10 %)",
    271: "Bebidas analcohólicas con alto contenido de azúcar (18 %)",
}


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True, index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], lazy="raise")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit IN ('unit', 'kg')", name="unit"),
        CheckConstraint("tax IN ('afecto', 'exento')", name="tax"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("additional_tax IS NULL OR additional_tax IN (24, 25, 26, 27, 271)", name="ila_code"),
        Index("ix_products_category_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # internal code
    name: Mapped[str] = mapped_column(String(80))
    short_name: Mapped[str] = mapped_column(String(40))  # what the receipt prints
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    unit: Mapped[str] = mapped_column(String(4), default="unit")  # 'kg' = weighed, price per kg
    price: Mapped[int] = mapped_column(Integer)  # gross (IVA included), pesos
    tax: Mapped[str] = mapped_column(String(7), default="afecto")
    additional_tax: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_alcohol: Mapped[bool] = mapped_column(default=False)
    is_tobacco: Mapped[bool] = mapped_column(default=False)
    age_restricted: Mapped[bool] = mapped_column(default=False)
    # Ley 21.368: a drink in a returnable bottle points at its container-deposit product.
    container_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    # Scale PLU for variable-measure labels (GS1 20–29).
    plu: Mapped[str | None] = mapped_column(String(6), unique=True, nullable=True)
    min_stock: Mapped[int] = mapped_column(Integer, default=0)  # milli-units
    quick_key: Mapped[bool] = mapped_column(default=False)  # on the counter's quick-key grid (pan, frutas, bolsas)
    avg_cost: Mapped[Decimal] = mapped_column(Cost, default=Decimal(0))  # costo promedio ponderado, net
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship(lazy="raise")
    barcodes: Mapped[list[ProductBarcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", lazy="raise", order_by="ProductBarcode.id"
    )

    @property
    def weighed(self) -> bool:
        return self.unit == "kg"


class ProductBarcode(Base):
    __tablename__ = "product_barcodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)

    product: Mapped[Product] = relationship(back_populates="barcodes", lazy="raise")


class PriceChange(Base):
    __tablename__ = "price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    old_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    new_price: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(120), default="")
