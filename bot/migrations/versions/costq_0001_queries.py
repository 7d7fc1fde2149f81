"""costs: an index by day and a monthly rollup for cost questions, and anomaly alert claims

Revision ID: costq_0001
Revises: 0002_costs
"""
import sqlalchemy as sa
from alembic import op

revision = "costq_0001"
down_revision = "0002_costs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cost_daily_day", "cost_daily", ["day"])
    op.create_table(
        "cost_anomaly",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team", sa.String(120), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("currency", sa.String(12), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("baseline", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=False, server_default=""),
        sa.Column("error", sa.String(500)),
        sa.Column("acted_by", sa.String(255)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team", "service", "day", "currency"),
    )


    op.create_table(
        "cost_monthly",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("team", sa.String(120)),
        sa.Column("alloc_tag", sa.String(200)),
        sa.Column("provider", sa.String(120), nullable=False),
        sa.Column("sub_account_id", sa.String(200), nullable=False),
        sa.Column("sub_account_name", sa.String(200), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(12), nullable=False),
        sa.Column("billed", sa.BigInteger, nullable=False),
        sa.Column("effective", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_cost_monthly_team_day", "cost_monthly", ["team", "day"])
    op.create_index("ix_cost_monthly_day", "cost_monthly", ["day"])
    op.create_table(
        "cost_rollup",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("signature", sa.String(64), nullable=False, server_default=""),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cost_rollup")
    op.drop_table("cost_monthly")
    op.drop_table("cost_anomaly")
    op.drop_index("ix_cost_daily_day", "cost_daily")
