"""core tables: conversation state, processed events, teams, conversation references

Revision ID: 0001_core
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("intent", sa.String(64)),
        sa.Column("step", sa.String(64)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("slack_channel", sa.String(64)),
        sa.Column("teams_conversation", sa.String(512)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("user_ref", sa.String(255), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False, server_default="member"),
        sa.UniqueConstraint("team_id", "user_ref"),
    )
    op.create_table(
        "conversation_ref",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(512), nullable=False),
        sa.Column("user_ref", sa.String(255), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False, server_default="channel"),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform", "tenant", "channel", "user_ref"),
    )


def downgrade() -> None:
    for name in ("conversation_ref", "team_member", "team", "processed_event", "conversation_state"):
        op.drop_table(name)
