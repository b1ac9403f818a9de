"""Sessions kept on the box (signing out ends them), PIN failures per user and tablet with growing lockouts, and
pairing codes voided by too many wrong guesses

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(length=64), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('password', 'pin')", name=op.f("ck_login_sessions_kind")),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_login_sessions_device_id_devices")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_login_sessions_user_id", ["user_id"], unique=False)

    op.create_table(
        "pin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_pin_failures_device_id_devices")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pin_failures_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pin_failures")),
    )
    with op.batch_alter_table("pin_failures", schema=None) as batch_op:
        batch_op.create_index("ix_pin_failures_device_at", ["device_id", "at"], unique=False)
        batch_op.create_index("ix_pin_failures_user_at", ["user_id", "at"], unique=False)

    # The old per-row counters become the failure rows above: a count that any success reset was the weakness.
    with op.batch_alter_table("pin_locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lockouts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("counted_since", sa.DateTime(), nullable=True))
        batch_op.drop_column("failures")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_lockouts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("pin_counted_since", sa.DateTime(), nullable=True))
        batch_op.drop_column("pin_failures")
    with op.batch_alter_table("pairing_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pairing_codes", schema=None) as batch_op:
        batch_op.drop_column("failed_attempts")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("pin_counted_since")
        batch_op.drop_column("pin_lockouts")
    with op.batch_alter_table("pin_locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("counted_since")
        batch_op.drop_column("lockouts")
    with op.batch_alter_table("pin_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_pin_failures_user_at")
        batch_op.drop_index("ix_pin_failures_device_at")
    op.drop_table("pin_failures")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_login_sessions_user_id")
    op.drop_table("login_sessions")
