"""nudges: nudges, per-recipient delivery records, daily per-recipient quota

Revision ID: 0005_nudges
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_nudges"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author", sa.String(255), nullable=False, index=True),
        sa.Column("text", sa.String(3000), nullable=False),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recurrence", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft", index=True),
        sa.Column("job_id", sa.Integer, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "delivery_record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(64), nullable=False, index=True),
        sa.Column("nudge_id", sa.Integer, sa.ForeignKey("nudge.id"), index=True),
        sa.Column("occurrence", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="sending"),
        sa.Column("reason", sa.String(500)),
        sa.Column("message_id", sa.String(255)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "occurrence", "recipient"),
    )
    op.create_table(
        "nudge_quota",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("recipient", "day"),
    )


def downgrade() -> None:
    for name in ("nudge_quota", "delivery_record", "nudge"):
        op.drop_table(name)
