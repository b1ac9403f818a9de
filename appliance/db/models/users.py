"""People who use the box, their roles, and the audit log of sensitive actions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from appliance.db.base import Base, UtcDateTime, utcnow


class Role(enum.StrEnum):
    CAJERO = "cajero"
    SUPERVISOR = "supervisor"
    ADMINISTRADOR = "administrador"
    DUENO = "dueno"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CAJERO: "Cajero/a",
    Role.SUPERVISOR: "Supervisor/a",
    Role.ADMINISTRADOR: "Administrador/a",
    Role.DUENO: "Dueño/a",
}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('cajero', 'supervisor', 'administrador', 'dueno')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(15))
    password_hash: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class LoginSession(Base):
    """A signed-in browser or tablet. The cookie holds a random token; only its hash is here, so a copy of the
    (replicated) database cannot be used to sign in, and signing out ends the session on the box itself."""

    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('password', 'pin')", name="kind"),
        Index("ix_login_sessions_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(8))  # password: the back office; pin: a counter session on a tablet
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    client: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditEntry(Base):
    """Append-only record of who did what sensitive thing (price changes, user changes, overrides …)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(60), default="")
