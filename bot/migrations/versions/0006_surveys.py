"""surveys: survey, invitations, anonymous ballots and answers (no user id, day-only dates, UUID keys)

Revision ID: 0006_surveys
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_surveys"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author", sa.String(255), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="pulse"),
        sa.Column("team", sa.String(120)),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("audience", sa.JSON, nullable=False),
        sa.Column("channels", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft", index=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_every_hours", sa.Integer, nullable=False, server_default="24"),
        sa.Column("max_reminders", sa.Integer, nullable=False, server_default="2"),
        sa.Column("reminders_sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "survey_invite",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id"), nullable=False, index=True),
        sa.Column("user_ref", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("error", sa.String(500)),
        sa.Column("answered", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reminders", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("survey_id", "user_ref"),
    )
    op.create_table(
        "survey_ballot",
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id"), nullable=False),
        sa.Column("voter", sa.String(64), nullable=False),
        sa.Column("question", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("survey_id", "voter", "question"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id"), nullable=False, index=True),
        sa.Column("question", sa.Integer, nullable=False),
        sa.Column("choice", sa.JSON, nullable=False),
        sa.Column("text", sa.String(2000)),
        sa.Column("answered_on", sa.Date, nullable=False),
        sa.Column("user_ref", sa.String(255)),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for name in ("survey_answer", "survey_ballot", "survey_invite", "survey"):
        op.drop_table(name)
