"""The outbox keeps its retry schedule: next_attempt_at, and parked rows.

Expand-only: the new column is nullable and existing unsent rows become due
at once, so code of either revision can run against this schema.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.add_column("notifications", sa.Column("next_attempt_at", Timestamp, nullable=True))
    op.execute(
        "UPDATE notifications SET next_attempt_at = updated_at "
        "WHERE status IN ('pending', 'failed', 'sending')"
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_column("notifications", "next_attempt_at")
