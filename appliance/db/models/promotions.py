"""Promotions the counter applies by itself: a pack price, a percentage off for a period, "lleve N pague M"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appliance.db.base import Base, UtcDateTime, utcnow

PROMOTION_KINDS = ("pack", "percent", "nxm")


class Promotion(Base):
    """One promotion over a group of products and/or categories (its targets), valid between two dates inclusive.

    - pack: `quantity` units of the group for `price` pesos (3 × $2.000), repeated as many times as they fit;
    - percent: `percent` off every unit of the group;
    - nxm: take `quantity`, pay `pay` (lleve 3 pague 2) across the group, the cheapest units free.
    """

    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint(f"kind IN {PROMOTION_KINDS!r}", name="kind"),
        CheckConstraint("kind != 'pack' OR (quantity >= 2 AND price > 0)", name="pack"),
        CheckConstraint("kind != 'percent' OR (percent BETWEEN 1 AND 90)", name="percent"),
        CheckConstraint("kind != 'nxm' OR (quantity >= 2 AND pay >= 1 AND pay < quantity)", name="nxm"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # printed on the receipt under the line: "3 x $2.000"
    kind: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pay: Mapped[int | None] = mapped_column(Integer, nullable=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    targets: Mapped[list[PromotionTarget]] = relationship(
        back_populates="promotion", cascade="all, delete-orphan", lazy="raise", order_by="PromotionTarget.id"
    )


class PromotionTarget(Base):
    """A product or a whole category (with its subcategories) the promotion covers."""

    __tablename__ = "promotion_targets"
    __table_args__ = (
        CheckConstraint("(product_id IS NULL) != (category_id IS NULL)", name="one_target"),
        Index("ix_promotion_targets_promotion_id", "promotion_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)

    promotion: Mapped[Promotion] = relationship(back_populates="targets", lazy="raise")
