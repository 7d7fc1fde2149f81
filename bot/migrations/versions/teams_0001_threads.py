"""teams: channel threads the bot replied in

Revision ID: teams_0001
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "teams_0001"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_thread",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(255), primary_key=True),
        sa.Column("thread_ts", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("teams_thread")
