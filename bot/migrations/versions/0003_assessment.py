"""maturity assessments and their answers

Revision ID: 0003_assessment
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_assessment"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_ref", sa.String(255), nullable=False, index=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id"), nullable=False, index=True),
        sa.Column("team_name", sa.String(120), nullable=False),
        sa.Column("capabilities", sa.JSON, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False, server_default="open", index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("platform", sa.String(16), nullable=False, server_default=""),
        sa.Column("tenant", sa.String(128), nullable=False, server_default=""),
        sa.Column("channel", sa.String(512), nullable=False, server_default=""),
        sa.Column("thread", sa.String(255), nullable=False, server_default=""),
    )
    op.create_table(
        "assessment_answer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessment.id"), nullable=False, index=True),
        sa.Column("question", sa.Integer, nullable=False),
        sa.Column("capability", sa.String(64), nullable=False),
        sa.Column("lens", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("assessment_id", "question"),
    )


def downgrade() -> None:
    op.drop_table("assessment_answer")
    op.drop_table("assessment")
