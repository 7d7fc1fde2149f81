"""slack: threads the bot replied in

Revision ID: slack_0001
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "slack_0001"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_thread",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("thread_ts", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("slack_thread")
